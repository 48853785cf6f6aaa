import type { Caller } from '@ebs/service-kit/auth';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Booking } from '../data/bookings.repo';
import { assertMayAccessBooking } from './booking-access';
import { changeBooking } from './booking-change';
import { type BookingView, bookingView, confirmedMessage } from './booking-view';
import type { CancelBookingDeps } from './cancel-booking';
import { holdExpired } from './hold-errors';

export type ConfirmBookingDeps = Omit<CancelBookingDeps, 'now'>;

const cancelledConflict = () => new AppError('CONFLICT', 'This booking was cancelled: it can no longer be confirmed');

/**
 * POST /bookings/:id/confirm, for the hold's owner or an admin (docs/api.md "Holds"):
 *   1. unknown -> 404; another customer's -> 403; already confirmed -> the same 200; cancelled -> 409 CONFLICT;
 *      expired -> 409 HOLD_EXPIRED;
 *   2. one transaction (changeBooking): the event row locked (in share mode: a confirm moves no seat, so confirms
 *      of one event run side by side), then the booking, with MySQL's clock; the status
 *      re-checked under the locks; a hold whose expiresAt is at or before that clock is expired now (seats back
 *      once) and answered 409 HOLD_EXPIRED, whether or not the sweeper got to it; else the hold becomes
 *      confirmed (its seats stay taken), an offer it was becomes `confirmed`, and bookings.confirmed goes to
 *      the outbox; commit.
 * Confirm and expiry both run under the booking's row lock and re-check its status, so a hold ends one way.
 */
export async function confirmBooking(
  deps: ConfirmBookingDeps,
  bookingId: string,
  caller: Caller,
  requestId?: string,
): Promise<BookingView> {
  const { bookings, outbox, waitlist } = deps.repos;
  const seen = await bookings.findById(bookingId);
  if (!seen) throw notFound('Booking');
  assertMayAccessBooking(caller, seen);
  if (seen.status === 'confirmed') return bookingView(seen);
  if (seen.status === 'cancelled') throw cancelledConflict();
  if (seen.status === 'expired') throw holdExpired();

  const booking = await changeBooking(
    deps,
    seen,
    async (conn, { event, booking, dbNow }, effects) => {
      if (booking.status === 'confirmed') return booking;
      if (booking.status === 'cancelled') throw cancelledConflict();
      if (event.startsAt.getTime() <= dbNow.getTime()) {
        throw new AppError('CONFLICT', 'The event has started: its holds can no longer be confirmed');
      }
      const confirmed: Booking = { ...booking, status: 'confirmed' };
      await bookings.markConfirmed(conn, booking.id);
      const offers = await waitlist.lockOffersOf(conn, [booking.id]);
      await waitlist.setStatus(
        conn,
        offers.map((o) => o.id),
        'confirmed',
        dbNow,
      );
      await outbox.insertMany(conn, [confirmedMessage(confirmed, requestId, dbNow)]);
      effects.holds.confirmed += 1;
      effects.offers.confirmed += offers.length;
      effects.messages += 1;
      return confirmed;
    },
    { movesSeats: false },
  );
  return bookingView(booking);
}
