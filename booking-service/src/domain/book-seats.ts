import { randomUUID } from 'node:crypto';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Booking, BookingsRepo } from '../data/bookings.repo';
import { inventoryRepo } from '../data/inventory.repo';
import { outboxRepo } from '../data/outbox.repo';
import { isDbUnavailable, withTransaction } from '../lib/db';
import { AppError, notFound } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { startLockWait } from '../metrics';
import { createGroupQueue, type Group, type GroupQueue, type Member, type Outcome } from './booking-queue';
import { type BookingView, bookingView, confirmedMessage } from './booking-view';
import { type ClaimKey, KeyTaken } from './idempotency';

export type BookSeatsInput = {
  userId: string;
  eventId: string;
  quantity: number;
  /** The X-Request-Id of the HTTP request, carried into the outbox row and the NATS message header. */
  requestId?: string;
};

/** A request in its event's queue; with an Idempotency-Key it carries the claim of that key. */
export type RushInput = BookSeatsInput & { claimKey?: ClaimKey };

export type BookingRush = GroupQueue<RushInput, Booking>;

export type BookSeatsDeps = { bookings: BookingsRepo; rush: BookingRush };

/**
 * POST /bookings: the request joins its event's queue and is answered when its group has committed. With an
 * Idempotency-Key, claimKey runs in the group transaction for this request (a key already taken: KeyTaken).
 */
export async function bookSeats(deps: BookSeatsDeps, input: BookSeatsInput, claimKey?: ClaimKey): Promise<BookingView> {
  return bookingView(await deps.rush.submit(input.eventId, claimKey ? { ...input, claimKey } : input));
}

/**
 * A step inside the group transaction, for features that add to a booking (e.g. an Idempotency-Key): run
 * once per attempt after the event row is locked (so it can read what it needs for every request in one
 * query), it returns a check run per request in arrival order before seats are counted. The check may
 * answer the request itself (a replay, a refusal): then no seats are taken for it.
 */
export type GroupStep = (
  conn: PoolConnection,
  requests: Member<RushInput>[],
) => Promise<(request: Member<RushInput>) => Outcome<Booking> | undefined>;

export type BookGroupDeps = {
  pool: Pool;
  bookings: BookingsRepo;
  logger: Logger;
  /** Told after each commit that booked something, so the relay publishes at once. */
  onCommitted: () => void;
  step?: GroupStep;
};

/** Rounds a group is run when MySQL picks it as a deadlock victim or its lock wait times out. */
const GROUP_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = '1';

/**
 * One group of requests for one event, in one MySQL transaction (docs/api.md "Ticket rush"):
 *   1. one query finds which of the group's users exist (before the lock);
 *   2. lock the event row (SELECT ... FOR UPDATE): groups of every replica queue here; unknown event -> all 404;
 *   3. walk the requests in arrival order: unknown user -> 404; fewer seats left than asked -> 409 SOLD_OUT
 *      (a later, smaller request may still fit); a request with an Idempotency-Key claims it (one INSERT; a
 *      key another request committed first fails only this request, KeyTaken); else it is booked;
 *   4. one UPDATE of the seats, one multi-row INSERT of the bookings and one of their outbox messages; commit;
 *   5. only then is each request answered.
 * A deadlock or lock wait timeout runs the group again; a failure that remains answers every request of the
 * group 503 and nothing of it is written.
 */
export async function bookGroup(deps: BookGroupDeps, group: Group<RushInput>) {
  const outcomes = new Map<Member<RushInput>, Outcome<Booking>>();
  let booked: Booking[] = [];
  let messages: ReturnType<typeof confirmedMessage>[] = [];
  try {
    for (let attempt = 1; group.pending().length > 0; attempt++) {
      outcomes.clear();
      booked = [];
      messages = [];
      try {
        await withTransaction(
          deps.pool,
          async (conn) => {
            const userIds = [...new Set(group.pending().map((m) => m.input.userId))];
            const knownUsers = await inventoryRepo.existingUsers(conn, userIds);
            const lockWait = startLockWait();
            const event = await inventoryRepo.lockEvent(conn, group.key);
            const requests = group.takeTurn();
            lockWait.done(requests.length);
            if (event === undefined) {
              for (const r of requests) outcomes.set(r, { ok: false, error: notFound('Event') });
              return;
            }
            if (event.startsAt.getTime() <= Date.now()) {
              for (const r of requests) outcomes.set(r, { ok: false, error: started() });
              return;
            }
            const available = event.availableSeats;
            const check = await deps.step?.(conn, requests);
            let left = available;
            const createdAt = new Date();
            for (const r of requests) {
              const other = knownUsers.has(r.input.userId)
                ? check?.(r)
                : { ok: false as const, error: notFound('User') };
              if (other) outcomes.set(r, other);
              else if (r.input.quantity > left) outcomes.set(r, { ok: false, error: soldOut(left) });
              else {
                const { claimKey, requestId, ...input } = r.input;
                const b: Booking = { id: randomUUID(), ...input, status: 'confirmed', createdAt };
                // Its Idempotency-Key, remembered here or found taken (then this request only takes nothing).
                if (claimKey && !(await claimKey(conn, b.id))) {
                  outcomes.set(r, { ok: false, error: new KeyTaken() });
                  continue;
                }
                left -= r.input.quantity;
                booked.push(b);
                messages.push(confirmedMessage(b, requestId));
                outcomes.set(r, { ok: true, value: b });
              }
            }
            if (booked.length === 0) return;
            await inventoryRepo.takeSeats(conn, group.key, available - left);
            await deps.bookings.insertMany(conn, booked);
            await outboxRepo.insertMany(conn, messages);
          },
          { deadlockAttempts: 1 },
        );
        break;
      } catch (err) {
        if (!isLockContention(err) || attempt >= GROUP_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    const error = groupFailed(err);
    deps.logger.error({ err, eventId: group.key, requests: group.pending().length }, 'booking group rolled back');
    for (const r of group.pending()) outcomes.set(r, { ok: false, error });
    return outcomes;
  }
  if (booked.length > 0) deps.onCommitted();
  return outcomes;
}

/** The rush of one replica: a queue per event, each running bookGroup one group at a time. */
export function createBookingRush(deps: BookGroupDeps, opts: { maxGroupSize: number; maxWaitMs: number }) {
  return createGroupQueue<BookSeatsInput, Booking>({
    runGroup: (group) => bookGroup(deps, group),
    busy: serviceBusy,
    ...opts,
  });
}

const started = () => new AppError('CONFLICT', 'This event has already started');

const soldOut = (left: number) =>
  new AppError('SOLD_OUT', left === 0 ? 'This event is sold out' : `Only ${left} seat(s) left for this event`);

/** 503 for a booking that waited its longest for its turn: the service is busy, not broken. */
export const serviceBusy = () =>
  new AppError('UNAVAILABLE', 'The booking service is busy, try again shortly', undefined, {
    'Retry-After': RETRY_AFTER_SECONDS,
  });

const isLockContention = (err: unknown) => {
  const code = (err as { code?: unknown })?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
};

/** What every request of a failed group is told: busy on lock contention, MySQL's own 503 when it is down. */
function groupFailed(err: unknown): unknown {
  if (isLockContention(err)) return serviceBusy();
  if (isDbUnavailable(err) || err instanceof AppError) return err;
  return new AppError(
    'UNAVAILABLE',
    'The booking could not be completed and nothing was booked, try again',
    undefined,
    {
      'Retry-After': RETRY_AFTER_SECONDS,
    },
  );
}
