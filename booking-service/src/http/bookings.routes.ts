import { Router } from 'express';
import { z } from 'zod';
import { type BookSeatsDeps, bookSeats } from '../domain/book-seats';
import { getBooking, listBookings } from '../domain/bookings';
import { paginationQuery } from '../lib/pagination';
import { isUuid, parseIdParam, parseInput } from '../lib/validation';
import { countBookingOutcome } from '../metrics';

const uuid = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

export const createBody = z.strictObject({
  userId: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1).max(10).default(1),
});

export const listQuery = z.object({ ...paginationQuery, userId: uuid.optional(), eventId: uuid.optional() });

export function bookingsRouter(deps: BookSeatsDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const input = parseInput(createBody, req.body);
    res.status(201).json(await countBookingOutcome(bookSeats(deps, { ...input, requestId: req.id })));
  });

  router.get('/', async (req, res) => {
    res.json(await listBookings(deps, parseInput(listQuery, req.query)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getBooking(deps, parseIdParam(req.params.id, 'Booking')));
  });

  return router;
}
