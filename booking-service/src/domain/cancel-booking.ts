import type { Caller } from '@ebs/service-kit/auth';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Repos } from '../data/repos';
import { assertMayAccessBooking } from './booking-access';
import { type BookingChangeDeps, changeBooking } from './booking-change';
import { type BookingView, bookingView } from './booking-view';
import { holdExpired } from './hold-errors';
import { returnSeats } from './return-seats';

export type CancelBookingDeps = BookingChangeDeps & {
  repos: Pick<Repos, 'bookings' | 'seatReturn' | 'outbox' | 'waitlist' | 'inventory'>;
  /** The clock (injected by tests); decides "the event has started" and stamps cancelledAt. */
  now: () => Date;
};

/**
 * POST /bookings/:id/cancel, for the booking's owner or an admin (a confirmed booking or a hold):
 *   1. unknown booking -> 404; another customer's -> 403, nothing touched;
 *   2. already cancelled -> the same 200 again, nothing given back twice; an expired hold -> 409 HOLD_EXPIRED;
 *   3. one transaction (changeBooking): the event row locked, then the booking, its status re-checked under
 *      the locks (a concurrent cancel, confirm or expiry may have won: answer accordingly; a hold past its
 *      expiresAt by MySQL's clock is expired now and answered 409 HOLD_EXPIRED); the event has started ->
 *      409 CONFLICT; else mark it cancelled, give its seats back (to the waitlist first) and write the
 *      bookings.cancelled outbox message; commit.
 */
export async function cancelBooking(
  deps: CancelBookingDeps,
  bookingId: string,
  caller: Caller,
  requestId?: string,
): Promise<BookingView> {
  const seen = await deps.repos.bookings.findById(bookingId);
  if (!seen) throw notFound('Booking');
  // A booking's owner and event never change, so this unlocked read settles access and the lock to take.
  assertMayAccessBooking(caller, seen);
  if (seen.status === 'cancelled') return bookingView(seen);
  if (seen.status === 'expired') throw holdExpired();

  const booking = await changeBooking(deps, seen, async (conn, { event, booking, dbNow }, effects) => {
    if (booking.status === 'cancelled') return booking;
    const now = deps.now();
    if (event.startsAt.getTime() <= now.getTime()) {
      throw new AppError('CONFLICT', 'The event has started: its bookings can no longer be cancelled');
    }
    const how = { bookings: [booking], how: 'cancelled' as const, now, dbNow, requestId };
    const [cancelled] = await returnSeats(conn, deps, event, how, effects);
    return cancelled ?? booking;
  });
  return bookingView(booking);
}
