import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import type { Booking, BookingsRepo } from '../data/bookings.repo';
import { inventoryRepo } from '../data/inventory.repo';
import { outboxRepo } from '../data/outbox.repo';
import { withTransaction } from '../lib/db';
import { AppError, notFound } from '../lib/errors';
import { startLockWait } from '../metrics';
import { type BookingView, bookingView, confirmedMessage } from './booking-view';

export type BookSeatsDeps = {
  pool: Pool;
  bookings: BookingsRepo;
  /** Told after each commit, so the relay publishes at once instead of at its next poll. */
  onCommitted: () => void;
};

export type BookSeatsInput = { userId: string; eventId: string; quantity: number };
/** The X-Request-Id of the HTTP request, carried into the outbox row and the NATS message header. */
export type BookSeatsContext = { requestId?: string };

/**
 * Books seats in one MySQL transaction:
 *   1. the user must exist;
 *   2. lock the event row (SELECT ... FOR UPDATE): every booking of this event, on any replica, queues here;
 *   3. too few seats left -> 409 SOLD_OUT, nothing changed;
 *   4. take the seats, insert the booking and its outbox message; commit.
 * A lock wait past the bound (the pool's innodb_lock_wait_timeout) is 503 UNAVAILABLE; a deadlock is run
 * again (withTransaction).
 */
export async function bookSeats(
  deps: BookSeatsDeps,
  input: BookSeatsInput,
  ctx: BookSeatsContext = {},
): Promise<BookingView> {
  const booking = await withTransaction(deps.pool, async (conn): Promise<Booking> => {
    if (!(await inventoryRepo.userExists(conn, input.userId))) throw notFound('User');
    const lockWait = startLockWait();
    const available = await inventoryRepo.lockAvailableSeats(conn, input.eventId);
    lockWait.done(1);
    if (available === undefined) throw notFound('Event');
    if (available < input.quantity) {
      throw new AppError(
        'SOLD_OUT',
        available === 0 ? 'This event is sold out' : `Only ${available} seat(s) left for this event`,
      );
    }
    const b: Booking = { id: randomUUID(), ...input, status: 'confirmed', createdAt: new Date() };
    await inventoryRepo.takeSeats(conn, input.eventId, input.quantity);
    await deps.bookings.insert(conn, b);
    await outboxRepo.insert(conn, confirmedMessage(b, ctx.requestId));
    return b;
  });
  deps.onCommitted();
  return bookingView(booking);
}
