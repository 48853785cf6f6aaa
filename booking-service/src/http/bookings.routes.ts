import { Router } from 'express';
import { z } from 'zod';
import type { BookSeatsDeps } from '../domain/book-seats';
import { getBooking, listBookings } from '../domain/bookings';
import { type Caller, type CancelBookingDeps, cancelBooking } from '../domain/cancel-booking';
import { IDEMPOTENCY_KEY, type Idempotency } from '../domain/idempotency';
import { placeBooking } from '../domain/place-booking';
import { paginationQuery } from '../lib/pagination';
import { isUuid, parseIdParam, parseInput } from '../lib/validation';

const uuid = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((s) => s.toLowerCase());

const createBody = z.strictObject({
  userId: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1).max(10).default(1),
});

/** The optional `Idempotency-Key` request header. */
const idempotencyHeader = z.object({
  'Idempotency-Key': z.string().regex(IDEMPOTENCY_KEY, 'must be 1-255 printable ASCII characters').optional(),
});

const listQuery = z.object({
  ...paginationQuery,
  userId: uuid.optional(),
  eventId: uuid.optional(),
  status: z.enum(['confirmed', 'cancelled']).optional(),
});

/** Cancel takes no input but the path id: an unknown body field or query parameter is a 400. */
const nothing = z.strictObject({});

// Until access control lands every caller may act on every booking, as GET /bookings/:id allows today.
const ANYONE: Caller = { userId: '', role: 'admin' };

export function bookingsRouter(deps: BookSeatsDeps & CancelBookingDeps & { idempotency: Idempotency }): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const input = parseInput(createBody, req.body);
    const { 'Idempotency-Key': key } = parseInput(idempotencyHeader, {
      'Idempotency-Key': req.get('Idempotency-Key'),
    });
    const { result, replayed } = await placeBooking(deps, input, key);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(201).json(result);
  });

  router.get('/', async (req, res) => {
    res.json(await listBookings(deps, parseInput(listQuery, req.query)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getBooking(deps, parseIdParam(req.params.id, 'Booking')));
  });

  router.post('/:id/cancel', async (req, res) => {
    parseInput(nothing, req.body ?? {});
    parseInput(nothing, req.query);
    res.json(await cancelBooking(deps, parseIdParam(req.params.id, 'Booking'), ANYONE));
  });

  return router;
}
