import type { Caller } from '@ebs/service-kit/auth';
import { withTransaction } from '@ebs/service-kit/db';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Pool } from 'mysql2/promise';
import type { Booking } from '../data/bookings.repo';
import type { Repos } from '../data/repos';
import { countEffects, noEffects } from '../metrics';
import { assertMayAccessBooking } from './booking-access';
import { type BookingView, bookingView } from './booking-view';
import { holdExpired } from './hold-errors';
import { type ReturnSeatsDeps, returnSeats } from './return-seats';
import { SEAT_TRANSACTION } from './seat-transaction';

export type CancelBookingDeps = ReturnSeatsDeps & {
  pool: Pool;
  repos: Pick<Repos, 'bookings' | 'seatReturn' | 'outbox' | 'waitlist' | 'inventory'>;
  /** Told after a commit that wrote an outbox message, so the relay publishes it at once. */
  onCommitted: () => void;
  /** The clock (injected by tests); decides "the event has started" and stamps cancelledAt. */
  now: () => Date;
};

/**
 * POST /bookings/:id/cancel, for the booking's owner or an admin (a confirmed booking or a hold):
 *   1. unknown booking -> 404; another customer's -> 403, nothing touched;
 *   2. already cancelled -> the same 200 again, nothing given back twice; an expired hold -> 409 HOLD_EXPIRED;
 *   3. one transaction: lock the event row (SELECT ... FOR UPDATE, the lock every writer of its seats takes
 *      first, so seats are counted by one writer at a time on any replica), then the booking row;
 *      re-check its status under the locks (a concurrent cancel, confirm or expiry may have won: answer
 *      accordingly); a hold whose expiresAt has passed by MySQL's clock is expired now (seats back once,
 *      bookings.expired) and answered 409 HOLD_EXPIRED; the event has started -> 409 CONFLICT; else mark it
 *      cancelled, give its seats back (to the waitlist first) and write the bookings.cancelled outbox
 *      message; commit.
 */
export async function cancelBooking(
  deps: CancelBookingDeps,
  bookingId: string,
  caller: Caller,
  requestId?: string,
): Promise<BookingView> {
  const { bookings, seatReturn } = deps.repos;
  const seen = await bookings.findById(bookingId);
  if (!seen) throw notFound('Booking');
  // A booking's owner and event never change, so this unlocked read settles access and the lock to take.
  assertMayAccessBooking(caller, seen);
  if (seen.status === 'cancelled') return bookingView(seen);
  if (seen.status === 'expired') throw holdExpired();

  const result = await withTransaction(
    deps.pool,
    async (conn) => {
      const effects = noEffects();
      const event = await seatReturn.lockEvent(conn, seen.eventId);
      const locked = await bookings.lockById(conn, bookingId);
      if (!event || !locked) throw notFound('Booking'); // cannot happen: bookings reference their event
      const { booking, dbNow } = locked;
      if (booking.status === 'cancelled') return { booking, effects, expired: false };
      if (booking.status === 'expired') throw holdExpired();
      if (booking.status === 'held' && (booking.expiresAt as Date).getTime() <= dbNow.getTime()) {
        await returnSeats(conn, deps, event, { bookings: [booking], how: 'expired', now: dbNow, dbNow }, effects);
        return { booking, effects, expired: true };
      }
      const now = deps.now();
      if (event.startsAt.getTime() <= now.getTime()) {
        throw new AppError('CONFLICT', 'The event has started: its bookings can no longer be cancelled');
      }
      const [cancelled] = await returnSeats(
        conn,
        deps,
        event,
        { bookings: [booking], how: 'cancelled', now, dbNow, requestId },
        effects,
      );
      return { booking: cancelled as Booking, effects, expired: false };
    },
    SEAT_TRANSACTION,
  );
  countEffects(result.effects);
  if (result.effects.messages > 0) deps.onCommitted();
  if (result.expired) throw holdExpired();
  return bookingView(result.booking);
}
