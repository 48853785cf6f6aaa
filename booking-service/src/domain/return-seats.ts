import type { PoolConnection } from 'mysql2/promise';
import type { Booking } from '../data/bookings.repo';
import type { Repos } from '../data/repos';
import type { LockedEvent } from '../data/seat-return.repo';
import type { SeatEffects } from '../metrics';
import { cancelledMessage, expiredMessage } from './booking-view';
import { type LineDeps, offerToLine } from './offer-to-line';

export type ReturnSeatsDeps = LineDeps & { repos: Pick<Repos, 'seatReturn'> };

/**
 * Bookings of one event end and their seats come back, exactly once: inside the caller's transaction, which
 * locked the event row and then these bookings (each still `held`, or `confirmed` for a cancel):
 *   - `expired` (holds only): status expired, bookings.expired messages; an offer they were becomes `expired`;
 *   - `cancelled`: status cancelled with cancelledAt = `now`, bookings.cancelled messages; an offer they were
 *     becomes `left` (the user declined it).
 * Then the seats go to the event's line first (offerToLine); what no waiting entry fits is back on sale.
 * `dbNow` is MySQL's clock: offers count their deadline from it, expiries their release delay.
 */
export async function returnSeats(
  conn: PoolConnection,
  deps: ReturnSeatsDeps,
  event: LockedEvent,
  ended: { bookings: Booking[]; how: 'expired' | 'cancelled'; now: Date; dbNow: Date; requestId?: string },
  effects: SeatEffects,
): Promise<Booking[]> {
  const { bookings, outbox, seatReturn, waitlist } = deps.repos;
  if (ended.bookings.length === 0) return [];
  const ids = ended.bookings.map((b) => b.id);
  const offers = await waitlist.lockOffersOf(
    conn,
    ended.bookings.filter((b) => b.status === 'held').map((b) => b.id),
  );
  let done: Booking[];
  if (ended.how === 'expired') {
    await bookings.markExpired(conn, ids);
    const expired = ended.bookings.map((b) => ({
      ...b,
      status: 'expired' as const,
      expiresAt: b.expiresAt ?? ended.dbNow,
    }));
    await outbox.insertMany(
      conn,
      expired.map((b) => expiredMessage(b, ended.dbNow)),
    );
    await waitlist.setStatus(
      conn,
      offers.map((o) => o.id),
      'expired',
      ended.dbNow,
    );
    effects.holds.expired += expired.length;
    effects.offers.expired += offers.length;
    for (const b of expired) effects.releaseDelaysSeconds.push((ended.dbNow.getTime() - b.expiresAt.getTime()) / 1000);
    done = expired;
  } else {
    const cancelled = ended.bookings.map((b) => ({ ...b, status: 'cancelled' as const, cancelledAt: ended.now }));
    for (const b of cancelled) await bookings.markCancelled(conn, b.id, ended.now);
    await outbox.insertMany(
      conn,
      cancelled.map((b) => cancelledMessage(b, ended.requestId)),
    );
    await waitlist.setStatus(
      conn,
      offers.map((o) => o.id),
      'left',
      ended.now,
    );
    effects.holds.cancelled += ended.bookings.filter((b) => b.status === 'held').length;
    effects.offers.left += offers.length;
    done = cancelled;
  }
  effects.messages += done.length;
  const seats = ended.bookings.reduce((n, b) => n + b.quantity, 0);
  await seatReturn.giveSeatsBack(conn, event.id, seats, ended.now);
  await offerToLine(conn, deps, event, event.availableSeats + seats, ended.dbNow, effects, ended.requestId);
  return done;
}
