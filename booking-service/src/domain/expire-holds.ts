import { withTransaction } from '@ebs/service-kit/db';
import type { Logger } from '@ebs/service-kit/observability';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Repos } from '../data/repos';
import { countEffects, noEffects, type SeatEffects } from '../metrics';
import { offerToLine } from './offer-to-line';
import { type ReturnSeatsDeps, returnSeats } from './return-seats';
import { SEAT_TRANSACTION } from './seat-transaction';

export type HoldSweeper = {
  /** One pass: expires every hold due now (in batches), then offers seats that no transaction offered yet. */
  sweepOnce: () => Promise<number>;
  start: () => void;
  /** Stops the timer and waits for the pass in hand. */
  stop: () => Promise<void>;
};

export type HoldSweeperDeps = ReturnSeatsDeps & {
  pool: Pool;
  repos: Pick<Repos, 'bookings' | 'inventory' | 'outbox' | 'seatReturn' | 'waitlist'>;
  logger: Logger;
  /** The outbox relay: kicked after a commit that wrote messages. */
  outbox: { kick: () => void };
  /** The pause between passes (HOLD_SWEEP_MS). */
  everyMs: number;
};

/** Holds one pass reads at a time; a pass goes on until fewer are due. */
const DUE_BATCH = 500;
/** Events per pass whose free seats could serve their line (seats came back outside booking-service). */
const LINE_EVENTS = 50;

/**
 * Expiry of holds (docs/api.md "Holds"), on every replica. A pass reads the holds whose expiresAt has passed
 * by MySQL's clock (a plain read), then per event one transaction: lock the event row, lock those of the
 * holds still held and still due (re-checked under the locks, by MySQL's clock), expire them, give their seats
 * back (to the waitlist first) and write bookings.expired; commit. Replicas may read the same holds: the
 * second to lock finds them expired and does nothing, so each hold's seats come back exactly once. A replica
 * that dies mid-transaction has it rolled back by MySQL; the next pass of any replica expires those holds.
 * With passes every `everyMs` (default 1 s), a hold is released well within 5 s of its expiresAt.
 *
 * A pass then offers free seats to waiting entries of events where they fit (only a higher totalSeats, set by
 * event-service, frees seats without a booking-service transaction that would have offered them at once).
 */
export function createHoldSweeper(deps: HoldSweeperDeps): HoldSweeper {
  const { pool, logger } = deps;
  const { bookings, inventory, seatReturn, waitlist } = deps.repos;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function inTransaction(work: (conn: PoolConnection) => Promise<SeatEffects>): Promise<SeatEffects> {
    const effects = await withTransaction(pool, work, SEAT_TRANSACTION);
    countEffects(effects);
    if (effects.messages > 0) deps.outbox.kick();
    return effects;
  }

  async function expireOf(eventId: string, ids: string[]): Promise<number> {
    const effects = await inTransaction(async (conn) => {
      const effects = noEffects();
      const event = await seatReturn.lockEvent(conn, eventId);
      if (!event) return effects;
      const due = await bookings.lockDueHolds(conn, ids);
      if (due.length === 0) return effects;
      const dbNow = due[0]?.dbNow as Date;
      const holds = due.map((d) => d.booking);
      await returnSeats(conn, deps, event, { bookings: holds, how: 'expired', now: dbNow, dbNow }, effects);
      return effects;
    });
    return effects.holds.expired;
  }

  async function serveLines(): Promise<void> {
    for (const eventId of await waitlist.servableEvents(LINE_EVENTS)) {
      await inTransaction(async (conn) => {
        const effects = noEffects();
        const event = await seatReturn.lockEvent(conn, eventId);
        if (event) await offerToLine(conn, deps, event, event.availableSeats, await inventory.clock(conn), effects);
        return effects;
      });
    }
  }

  async function sweepOnce(): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await bookings.dueHolds(DUE_BATCH);
      const byEvent = new Map<string, string[]>();
      for (const h of due) byEvent.set(h.eventId, [...(byEvent.get(h.eventId) ?? []), h.id]);
      // Events one at a time, in id order: one event row lock per transaction, never two. One event that fails
      // (its row lock held past the lock wait bound) is logged and left to the next pass; the others go on.
      let failed = 0;
      for (const eventId of [...byEvent.keys()].sort()) {
        try {
          expired += await expireOf(eventId, byEvent.get(eventId) ?? []);
        } catch (err) {
          failed += byEvent.get(eventId)?.length ?? 0;
          logger.warn({ err, eventId }, 'holds of this event not expired in this pass; the next pass tries again');
        }
      }
      if (failed > 0 && failed === due.length) break;
      if (due.length < DUE_BATCH) break;
    }
    await serveLines();
    return expired;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      const pass = sweepOnce()
        .catch((err) => logger.warn({ err }, 'hold sweep failed; the next pass tries again'))
        .finally(() => {
          running = undefined;
          schedule();
        });
      running = pass;
    }, deps.everyMs);
    timer.unref();
  }

  return {
    sweepOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
