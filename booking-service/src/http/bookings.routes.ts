import { callerOf, requireAuth, type TokenVerifier } from '@ebs/service-kit/auth';
import { paginationQuery, parseIdParam, parseInput, uuid } from '@ebs/service-kit/http';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { BOOKING_STATUSES } from '../data/bookings.repo';
import type { BookSeatsDeps } from '../domain/book-seats';
import { bookingUserFor } from '../domain/booking-access';
import { getBooking, listBookings } from '../domain/bookings';
import { type CancelBookingDeps, cancelBooking } from '../domain/cancel-booking';
import { confirmBooking } from '../domain/confirm-booking';
import { IDEMPOTENCY_KEY, type Idempotency } from '../domain/idempotency';
import { placeBooking } from '../domain/place-booking';
import { countBookingOutcome } from '../metrics';

/** userId may be omitted by a customer (the token's user); an admin names the user. */
export const createBookingBody = z.strictObject({
  userId: uuid.optional(),
  eventId: uuid,
  quantity: z.number().int().min(1).max(10).default(1),
  /** true: a hold (status held until confirmed by expiresAt), docs/api.md "Holds". */
  hold: z.boolean().default(false),
});

/** The optional `Idempotency-Key` request header of POST /bookings. */
export const idempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY, 'must be 1-255 printable ASCII characters, not ending in a space')
    .optional(),
});

export const listBookingsQuery = z.strictObject({
  ...paginationQuery,
  userId: uuid.optional(),
  eventId: uuid.optional(),
  status: z.enum(BOOKING_STATUSES).optional(),
});

/** Cancel and confirm take no input but the path id: an unknown body field or query parameter is a 400. */
export const noInput = z.strictObject({});

/** Refuses (400) any body field or query parameter of a route that takes only its path id. */
export function parseNoInput(req: Request): void {
  parseInput(noInput, req.body ?? {});
  parseInput(noInput, req.query);
}

/** The request's optional Idempotency-Key header, validated (400 when malformed). */
export const idempotencyKeyOf = (req: Request): string | undefined =>
  parseInput(idempotencyHeader, { 'Idempotency-Key': req.get('Idempotency-Key') })['Idempotency-Key'];

export function bookingsRouter(
  deps: BookSeatsDeps & CancelBookingDeps & { idempotency: Idempotency; auth: TokenVerifier },
): Router {
  const router = Router();
  router.use(requireAuth(deps.auth));

  router.post('/', async (req, res) => {
    const input = parseInput(createBookingBody, req.body);
    const key = idempotencyKeyOf(req);
    // Access is settled before the transaction: a refused booking takes no seat and no lock.
    const userId = bookingUserFor(callerOf(req), input.userId);
    const { result, replayed } = await countBookingOutcome(
      placeBooking(deps, { ...input, userId, requestId: req.id }, key),
    );
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(201).json(result);
  });

  router.get('/', async (req, res) => {
    res.json(await listBookings(deps.repos, parseInput(listBookingsQuery, req.query), callerOf(req)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getBooking(deps.repos, parseIdParam(req.params.id, 'Booking'), callerOf(req)));
  });

  router.post('/:id/cancel', async (req, res) => {
    parseNoInput(req);
    res.json(await cancelBooking(deps, parseIdParam(req.params.id, 'Booking'), callerOf(req), req.id));
  });

  router.post('/:id/confirm', async (req, res) => {
    parseNoInput(req);
    res.json(await confirmBooking(deps, parseIdParam(req.params.id, 'Booking'), callerOf(req), req.id));
  });

  return router;
}
