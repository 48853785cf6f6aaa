import { Router } from 'express';
import { z } from 'zod';
import { type BookSeatsDeps, bookSeats } from '../domain/book-seats';
import { bookingUserFor } from '../domain/booking-access';
import { getBooking, listBookings } from '../domain/bookings';
import { callerOf, requireAuth, type TokenVerifier } from '../lib/auth';
import { paginationQuery } from '../lib/pagination';
import { isUuid, parseIdParam, parseInput } from '../lib/validation';
import { countBookingOutcome } from '../metrics';

const uuid = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

/** userId may be omitted by a customer (the token's user); an admin names the user. */
export const createBookingBody = z.strictObject({
  userId: uuid.optional(),
  eventId: uuid,
  quantity: z.number().int().min(1).max(10).default(1),
});

export const listBookingsQuery = z.object({ ...paginationQuery, userId: uuid.optional(), eventId: uuid.optional() });

export function bookingsRouter(deps: BookSeatsDeps & { auth: TokenVerifier }): Router {
  const router = Router();
  router.use(requireAuth(deps.auth));

  router.post('/', async (req, res) => {
    const input = parseInput(createBookingBody, req.body);
    // Access is settled before the transaction: a refused booking takes no seat and no lock.
    const userId = bookingUserFor(callerOf(req), input.userId);
    res.status(201).json(await countBookingOutcome(bookSeats(deps, { ...input, userId, requestId: req.id })));
  });

  router.get('/', async (req, res) => {
    res.json(await listBookings(deps, parseInput(listBookingsQuery, req.query), callerOf(req)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getBooking(deps, parseIdParam(req.params.id, 'Booking'), callerOf(req)));
  });

  return router;
}
