import { withTransaction } from '@ebs/service-kit/db';
import { notFound } from '@ebs/service-kit/errors';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Booking } from '../data/bookings.repo';
import type { LockedEvent } from '../data/seat-return.repo';
import { countEffects, noEffects, type SeatEffects } from '../metrics';
import { holdExpired } from './hold-errors';
import { type ReturnSeatsDeps, returnSeats } from './return-seats';
import { SEAT_TRANSACTION } from './seat-transaction';
import { failedAs, transactionFailure } from './transaction-failure';

export type BookingChangeDeps = ReturnSeatsDeps & {
  pool: Pool;
  /** Told after a commit that wrote outbox messages (the relay's kick). */
  onCommitted: () => void;
};

/** The booking as a change sees it: under its event's row lock and its own, with MySQL's clock. */
export type LockedChange = { event: LockedEvent; booking: Booking; dbNow: Date };

/** A hold whose expiresAt is at or before MySQL's clock has expired, whether or not the sweeper got to it. */
export const isDue = (b: Booking, dbNow: Date) =>
  b.status === 'held' && (b.expiresAt as Date).getTime() <= dbNow.getTime();

/** A change under the shared event lock found a hold to expire, which moves seats: it runs again exclusively. */
class NeedsSeatLock extends Error {}

/**
 * One change to a booking (a cancel, a confirm), in one transaction: lock the event row (as every writer of its
 * seats does first), then the booking, reading MySQL's clock; an expired booking -> 409 HOLD_EXPIRED; a hold due
 * by that clock is expired now (seats back once, bookings.expired, to the line first) and, once that has
 * committed, answered 409 HOLD_EXPIRED; else `change` decides under the locks and returns the booking as it
 * leaves it. What the transaction did is counted, and the relay kicked, only after the commit.
 * `movesSeats: false` (a confirm): the event row is locked in share mode, so such changes of one event run side
 * by side, and still never beside a writer of its seats (a booking batch, a cancel, the sweeper); should the
 * hold turn out due, the transaction is rolled back and run again with the exclusive lock to expire it.
 * A COMMIT whose answer is lost (the connection broke or went silent after it) is settled on another connection:
 * the booking re-read under its row lock shows the change (answered as if COMMIT had answered) or not (503).
 */
export async function changeBooking(
  deps: BookingChangeDeps,
  seen: Booking,
  change: (conn: PoolConnection, locked: LockedChange, effects: SeatEffects) => Promise<Booking>,
  opts: { movesSeats: boolean } = { movesSeats: true },
): Promise<Booking> {
  const { bookings, inventory, seatReturn } = deps.repos;
  const attempt = (exclusive: boolean) => {
    /** The status the transaction leaves the booking in: what a check after a lost COMMIT answer looks for. */
    let leaves: Booking['status'] | undefined;
    return withTransaction(
      deps.pool,
      async (conn) => {
        const effects = noEffects();
        const event = await (exclusive
          ? seatReturn.lockEvent(conn, seen.eventId)
          : seatReturn.shareEvent(conn, seen.eventId));
        const booking = await bookings.lockById(conn, seen.id);
        if (!event || !booking) throw notFound('Booking'); // cannot happen: bookings reference their event
        const dbNow = await inventory.clock(conn);
        if (booking.status === 'expired') throw holdExpired();
        if (isDue(booking, dbNow)) {
          if (!exclusive) throw new NeedsSeatLock();
          await returnSeats(conn, deps, event, { bookings: [booking], how: 'expired', now: dbNow, dbNow }, effects);
          leaves = 'expired';
          return { booking, effects, expired: true };
        }
        const changed = await change(conn, { event, booking, dbNow }, effects);
        leaves = changed.status;
        return { booking: changed, effects, expired: false };
      },
      {
        ...SEAT_TRANSACTION,
        // COMMIT sent, its answer lost: once the old transaction has ended (its booking row lock is free), the
        // booking is in the state the change left it in, or the change did not happen.
        commitCheck: async (conn) => {
          await seatReturn.shareEvent(conn, seen.eventId);
          return (await bookings.lockById(conn, seen.id))?.status === leaves;
        },
      },
    );
  };
  let result: Awaited<ReturnType<typeof attempt>>;
  try {
    result = await attempt(opts.movesSeats);
  } catch (err) {
    if (!(err instanceof NeedsSeatLock)) throw transactionFailure(err, 'change to the booking');
    result = await attempt(true).catch(failedAs('change to the booking'));
  }
  afterCommit(deps, result.effects, result.expired);
  return result.booking;
}

/** After a seat transaction committed: count what it did, kick the relay for its messages, answer an expiry. */
export function afterCommit(deps: Pick<BookingChangeDeps, 'onCommitted'>, effects: SeatEffects, expired: boolean) {
  countEffects(effects);
  if (effects.messages > 0) deps.onCommitted();
  if (expired) throw holdExpired();
}
