import type { Caller } from '@ebs/service-kit/auth';
import { withTransaction } from '@ebs/service-kit/db';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Pool } from 'mysql2/promise';
import type { Booking } from '../data/bookings.repo';
import type { Repos } from '../data/repos';
import { assertMayAccessBooking } from './booking-access';
import { type BookingView, bookingView, cancelledMessage } from './booking-view';

export type CancelBookingDeps = {
  pool: Pool;
  repos: Pick<Repos, 'bookings' | 'seatReturn' | 'outbox'>;
  /** Told after a commit that wrote an outbox message, so the relay publishes it at once. */
  onCommitted: () => void;
  /** The clock (injected by tests); decides "the event has started" and stamps cancelledAt. */
  now: () => Date;
};

/**
 * POST /bookings/:id/cancel, for the booking's owner or an admin:
 *   1. unknown booking -> 404; another customer's -> 403, nothing touched;
 *   2. already cancelled -> the same 200 again, nothing given back twice;
 *   3. one transaction: lock the event row (SELECT ... FOR UPDATE, the lock bookings and capacity edits
 *      take first, so seats are counted by one writer at a time on any replica), then the booking row;
 *      re-check its status under the locks (a concurrent cancel may have won: answer its result);
 *      the event has started -> 409 CONFLICT; else mark it cancelled, give its seats back and write the
 *      bookings.cancelled outbox message; commit.
 */
export async function cancelBooking(deps: CancelBookingDeps, bookingId: string, caller: Caller): Promise<BookingView> {
  const { bookings, seatReturn, outbox } = deps.repos;
  const seen = await bookings.findById(bookingId);
  if (!seen) throw notFound('Booking');
  // A booking's owner and event never change, so this unlocked read settles access and the lock to take.
  assertMayAccessBooking(caller, seen);
  if (seen.status === 'cancelled') return bookingView(seen);

  const result = await withTransaction(deps.pool, async (conn) => {
    const event = await seatReturn.lockEvent(conn, seen.eventId);
    const booking = await bookings.lockById(conn, bookingId);
    if (!event || !booking) throw notFound('Booking'); // cannot happen: bookings reference their event
    if (booking.status === 'cancelled') return { booking, changed: false };
    const now = deps.now();
    if (event.startsAt.getTime() <= now.getTime()) {
      throw new AppError('CONFLICT', 'The event has started: its bookings can no longer be cancelled');
    }
    const cancelled: Booking & { cancelledAt: Date } = { ...booking, status: 'cancelled', cancelledAt: now };
    await bookings.markCancelled(conn, booking.id, now);
    await seatReturn.giveSeatsBack(conn, booking.eventId, booking.quantity, now);
    await outbox.insertMany(conn, [cancelledMessage(cancelled)]);
    return { booking: cancelled as Booking, changed: true };
  });
  if (result.changed) deps.onCommitted();
  return bookingView(result.booking);
}
