import { randomUUID } from 'node:crypto';
import { isDbUnavailable, withTransaction } from '@ebs/service-kit/db';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Logger } from '@ebs/service-kit/observability';
import type { Pool } from 'mysql2/promise';
import type { Booking, BookingsRepo } from '../data/bookings.repo';
import { inventoryRepo } from '../data/inventory.repo';
import { type OutboxLease, type OutboxMessage, outboxRepo } from '../data/outbox.repo';
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

export type BookGroupDeps = {
  pool: Pool;
  bookings: BookingsRepo;
  logger: Logger;
  /** The outbox relay: rows are written leased to it and handed over after the commit (it publishes at once). */
  outbox: OutboxHandOver;
};

/** What the rush needs of the outbox relay (OutboxRelay has both). */
export type OutboxHandOver = {
  lease: () => OutboxLease | undefined;
  committed: (messages: OutboxMessage[]) => void;
};

/** Rounds a batch is run when MySQL picks it as a deadlock victim or its lock wait times out. */
const GROUP_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = '1';

/**
 * One batch of groups (one group per event, each its requests in arrival order), in one MySQL transaction
 * (docs/api.md "Ticket rush"):
 *   1. one query finds which of the batch's users exist (before any lock);
 *   2. one SELECT ... FOR UPDATE locks the batch's event rows, in primary-key order: every batch of every
 *      replica takes its locks in that order, so batches cannot deadlock one another; an unknown event -> its
 *      requests 404;
 *   3. per event, walk its requests in arrival order: unknown user -> 404; fewer seats left than asked ->
 *      409 SOLD_OUT (a later, smaller request may still fit); a request with an Idempotency-Key claims it
 *      (one INSERT; a key another request committed first fails only this request, KeyTaken); else booked;
 *   4. one UPDATE of the seats of every event that sold some, one multi-row INSERT of the bookings and one of
 *      their outbox messages (leased to this replica's relay while NATS is up); commit;
 *   5. only then is each request answered, and the messages are handed to the relay to publish at once.
 * A deadlock or lock wait timeout runs the batch again; a failure that remains answers every request of the
 * batch 503 and nothing of it is written.
 */
export async function bookGroups(deps: BookGroupDeps, groups: Group<RushInput>[]) {
  const outcomes = new Map<Member<RushInput>, Outcome<Booking>>();
  const pending = () => groups.flatMap((g) => g.pending());
  let booked: Booking[] = [];
  let messages: OutboxMessage[] = [];
  try {
    for (let attempt = 1; pending().length > 0; attempt++) {
      outcomes.clear();
      booked = [];
      messages = [];
      try {
        await withTransaction(
          deps.pool,
          async (conn) => {
            const open = groups.filter((g) => g.pending().length > 0);
            const userIds = [...new Set(open.flatMap((g) => g.pending().map((m) => m.input.userId)))];
            const knownUsers = await inventoryRepo.existingUsers(conn, userIds);
            const lockWait = startLockWait();
            const events = await inventoryRepo.lockEvents(
              conn,
              open.map((g) => g.key),
            );
            const turns = open.map((g) => ({ key: g.key, requests: g.takeTurn() }));
            lockWait.done(turns.reduce((n, t) => n + t.requests.length, 0));
            const taken = new Map<string, number>();
            const createdAt = new Date();
            for (const { key, requests } of turns) {
              const event = events.get(key);
              if (event === undefined) {
                for (const r of requests) outcomes.set(r, { ok: false, error: notFound('Event') });
                continue;
              }
              if (event.startsAt.getTime() <= Date.now()) {
                for (const r of requests) outcomes.set(r, { ok: false, error: started() });
                continue;
              }
              let left = event.availableSeats;
              for (const r of requests) {
                if (!knownUsers.has(r.input.userId)) outcomes.set(r, { ok: false, error: notFound('User') });
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
              if (left < event.availableSeats) taken.set(key, event.availableSeats - left);
            }
            if (booked.length === 0) return;
            // Leased at the last moment (the key claims above may have waited for locks).
            const lease = deps.outbox.lease();
            if (lease) for (const m of messages) m.lease = lease;
            await inventoryRepo.takeSeats(conn, taken);
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
    const requests = pending();
    deps.logger.error(
      { err, eventIds: groups.map((g) => g.key), requests: requests.length },
      'booking group rolled back',
    );
    for (const r of requests) outcomes.set(r, { ok: false, error });
    return outcomes;
  }
  if (messages.length > 0) deps.outbox.committed(messages);
  return outcomes;
}

/**
 * Batches one replica runs at once. Two keep the database busy while one commits, and leave most of the
 * pool to cancellations, the relay and reads; requests that arrive meanwhile form the next batch.
 */
const BATCHES_IN_FLIGHT = 2;

/** The rush of one replica: a queue per event, groups of several events batched into one transaction. */
export function createBookingRush(deps: BookGroupDeps, opts: { maxGroupSize: number; maxWaitMs: number }) {
  return createGroupQueue<BookSeatsInput, Booking>({
    runGroups: (groups) => bookGroups(deps, groups),
    busy: serviceBusy,
    maxBatchSize: opts.maxGroupSize,
    maxBatches: BATCHES_IN_FLIGHT,
    ...opts,
  });
}

const started = () => new AppError('CONFLICT', 'This event has already started');

const soldOut = (left: number) =>
  new AppError('SOLD_OUT', left === 0 ? 'This event is sold out' : `Only ${left} seat(s) left for this event`);

/** 503 for a booking that waited its longest for its turn: the service is busy, not broken. */
export const serviceBusy = () =>
  new AppError('UNAVAILABLE', 'The booking service is busy, try again shortly', {
    headers: { 'Retry-After': RETRY_AFTER_SECONDS },
  });

const isLockContention = (err: unknown) => {
  const code = (err as { code?: unknown })?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
};

/** What every request of a failed group is told: busy on lock contention, MySQL's own 503 when it is down. */
function groupFailed(err: unknown): unknown {
  if (isLockContention(err)) return serviceBusy();
  if (isDbUnavailable(err) || err instanceof AppError) return err;
  return new AppError('UNAVAILABLE', 'The booking could not be completed and nothing was booked, try again', {
    headers: { 'Retry-After': RETRY_AFTER_SECONDS },
    cause: err,
  });
}
