import { randomUUID } from 'node:crypto';
import { isDbUnavailable, withTransaction } from '@ebs/service-kit/db';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Logger } from '@ebs/service-kit/observability';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Booking } from '../data/bookings.repo';
import type { OutboxLease, OutboxMessage } from '../data/outbox.repo';
import type { Repos } from '../data/repos';
import { countEffects, noEffects, type SeatEffects, startLockWait } from '../metrics';
import {
  type BatchOutcome,
  createGroupQueue,
  DEFERRED,
  type Group,
  type GroupQueue,
  type Member,
} from './booking-queue';
import { type BookingView, bookingView, confirmedMessage } from './booking-view';
import { type KeyClaim, KeyTaken } from './idempotency';
import { offerToLine } from './offer-to-line';
import { decideSeats, type LockedSeats, type SeatOutcome } from './seat-decisions';
import { SEAT_TRANSACTION } from './seat-transaction';
import { transactionFailure } from './transaction-failure';

export type BookSeatsInput = {
  userId: string;
  eventId: string;
  quantity: number;
  /** A hold (docs/api.md "Holds"): the seats are taken until expiresAt unless confirmed; no message yet. */
  hold?: boolean;
  /** The X-Request-Id of the HTTP request, carried into the outbox row and the NATS message header. */
  requestId?: string;
  /** With an Idempotency-Key: its claim, which the group transaction writes with the booking. */
  idempotency?: KeyClaim;
};

export type BookingRush = GroupQueue<BookSeatsInput, Booking>;

export type BookSeatsDeps = { rush: BookingRush };

/**
 * POST /bookings: the request joins its event's queue and is answered when its group has committed. With an
 * Idempotency-Key, the group transaction claims it for this request (a key already taken: KeyTaken).
 */
export async function bookSeats(deps: BookSeatsDeps, input: BookSeatsInput): Promise<BookingView> {
  return bookingView(await deps.rush.submit(input.eventId, input));
}

export type BookGroupDeps = {
  pool: Pool;
  repos: Pick<Repos, 'bookings' | 'idempotency' | 'inventory' | 'outbox' | 'waitlist'>;
  logger: Logger;
  /** The outbox relay: rows are written leased to it and handed over after the commit (it publishes at once). */
  outbox: OutboxHandOver;
  /** A hold lasts this long (HOLD_TTL_SECONDS); an offer to the waitlist OFFER_TTL_SECONDS. */
  holdTtlSeconds: number;
  offerTtlSeconds: number;
};

/** What the rush needs of the outbox relay (OutboxRelay has them all). */
export type OutboxHandOver = {
  lease: () => OutboxLease | undefined;
  committed: (messages: OutboxMessage[]) => void;
  /** Publish rows written unleased (offers the batch made to the waitlist). */
  kick: () => void;
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
 *      requests 404; MySQL's clock, read once the locks are held, is the batch's clock (started events,
 *      createdAt, a hold's expiresAt). One query then asks whether someone waits for any of these events: free seats an entry fits go to the
 *      line first (offerToLine; only a higher totalSeats leaves such seats for a batch to find);
 *   3. the seats are decided (decideSeats, no I/O): per event, an unknown one -> its requests 404, a started
 *      one -> 409 CONFLICT; else its requests in arrival order: unknown user -> 404; fewer seats left than
 *      asked -> 409 SOLD_OUT (a later, smaller request may still fit); else booked. Then each booked request
 *      with an Idempotency-Key claims it, in arrival order (one INSERT; a key another request committed first
 *      fails only this request, KeyTaken, and the seats are decided again without it);
 *   4. one UPDATE of the seats of every event that sold some, one multi-row INSERT of the bookings (holds
 *      with status held and expiresAt = clock + holdTtlSeconds, no message until confirmed) and one of
 *      their outbox messages (leased to this replica's relay while NATS is up); commit;
 *   5. only then is each request answered, and the messages are handed to the relay to publish at once.
 * A deadlock or lock wait timeout runs the batch again; a failure that remains before COMMIT was sent (a
 * statement failed, the connection broke, the transaction passed its deadline) rolls the batch back and answers
 * every request 503 with Retry-After: nothing of it is written. When COMMIT was sent and its answer lost (the
 * connection broke or went silent after it), MySQL may have applied it: withTransaction then kills the old
 * session and asks on another connection, under the batch's event row locks, whether the batch's bookings are
 * there (all or none: one transaction). There: each request is answered as decided (201...) and the messages are
 * handed to the relay; not there: 503 as above; MySQL cannot be asked: 503 saying the outcome is unknown.
 */
export async function bookGroups(deps: BookGroupDeps, groups: Group<BookSeatsInput>[]) {
  const { inventory, idempotency, bookings } = deps.repos;
  const outcomes = new Map<Member<BookSeatsInput>, BatchOutcome<Booking>>();
  /** Groups whose event row another transaction held: left for a batch of their own (never waited for here). */
  const deferred = new Set<Group<BookSeatsInput>>();
  const pending = () => groups.filter((g) => !deferred.has(g)).flatMap((g) => g.pending());
  let booked: Booking[] = [];
  let messages: OutboxMessage[] = [];
  let effects: SeatEffects = noEffects();
  try {
    for (let attempt = 1; pending().length > 0; attempt++) {
      outcomes.clear();
      deferred.clear();
      booked = [];
      messages = [];
      effects = noEffects();
      try {
        await withTransaction(
          deps.pool,
          async (conn) => {
            let open = groups.filter((g) => g.pending().length > 0);
            const userIds = [...new Set(open.flatMap((g) => g.pending().map((m) => m.input.userId)))];
            const knownUsers = await inventory.existingUsers(conn, userIds);
            const lockWait = startLockWait();
            // A batch of several events waits for none of their locks on behalf of the others: a row another
            // transaction holds is skipped, and its event's requests go on in a batch of their own (which waits).
            // Only on the first attempt: a retry (after a deadlock) has taken its groups' turns already, and a
            // group whose turn was taken is decided in this batch, never left for another.
            const skipLocked = open.length > 1 && attempt === 1;
            const events = await inventory.lockEvents(
              conn,
              open.map((g) => g.key),
              { skipLocked },
            );
            if (skipLocked && events.size < open.length) {
              const missing = open.filter((g) => !events.has(g.key));
              const exist = await inventory.existingEvents(
                conn,
                missing.map((g) => g.key),
              );
              for (const g of missing) if (exist.has(g.key)) deferred.add(g);
              open = open.filter((g) => !deferred.has(g));
            }
            lockWait.done(open.reduce((n, g) => n + g.pending().length, 0));
            const now = await inventory.clock(conn);
            await lineFirst(conn, deps, events, now, effects);
            const turns = open.map((g) => ({
              eventId: g.key,
              // Each request's booking id is drawn now: a key claim names it before the booking is written.
              requests: g.takeTurn().map((member) => ({
                member,
                bookingId: randomUUID(),
                userId: member.input.userId,
                quantity: member.input.quantity,
              })),
            }));
            const keyTaken = new Set<(typeof turns)[number]['requests'][number]>();
            let decided = decideSeats({ now, events, knownUsers, groups: turns, keyTaken });
            // Keys are claimed in arrival order: a key found taken frees its seats for the requests after it
            // (the decisions before it stay as they were), so the seats are decided again without it.
            for (let i = 0; i < decided.decisions.length; i++) {
              const { request, outcome } = decided.decisions[i] as (typeof decided.decisions)[number];
              const claim = request.member.input.idempotency;
              if (!outcome.ok || !claim) continue;
              const { userId, eventId, quantity, hold } = request.member.input;
              const record = {
                userId,
                key: claim.key,
                kind: 'booking' as const,
                eventId,
                quantity,
                hold: hold === true,
                resourceId: request.bookingId,
                createdAt: claim.at,
              };
              // A key another transaction in flight holds: in a batch with other requests this one fails alone
              // at once (409 in flight, from its key's look-up) rather than hold the batch in that lock wait.
              const alone = turns.reduce((n, t) => n + t.requests.length, 0) === 1;
              const inFlight = !alone && (await idempotency.heldElsewhere(conn, userId, claim.key));
              if (!inFlight && (await idempotency.claim(conn, record, claim.expiredAt))) continue;
              keyTaken.add(request);
              decided = decideSeats({ now, events, knownUsers, groups: turns, keyTaken });
            }
            for (const { request, outcome } of decided.decisions) {
              if (!outcome.ok) {
                outcomes.set(request.member, { ok: false, error: refusal(outcome) });
                continue;
              }
              const { userId, eventId, quantity, requestId, hold } = request.member.input;
              const b: Booking = hold
                ? {
                    id: request.bookingId,
                    userId,
                    eventId,
                    quantity,
                    status: 'held',
                    createdAt: now,
                    expiresAt: new Date(now.getTime() + deps.holdTtlSeconds * 1000),
                  }
                : { id: request.bookingId, userId, eventId, quantity, status: 'confirmed', createdAt: now };
              booked.push(b);
              if (hold) effects.holds.created += 1;
              else messages.push(confirmedMessage(b, requestId));
              outcomes.set(request.member, { ok: true, value: b });
            }
            if (booked.length === 0) return;
            // Leased at the last moment (the key claims above may have waited for locks).
            const lease = deps.outbox.lease();
            if (lease) for (const m of messages) m.lease = lease;
            await inventory.takeSeats(conn, decided.seatsTaken);
            await bookings.insertMany(conn, booked);
            await deps.repos.outbox.insertMany(conn, messages);
          },
          {
            ...SEAT_TRANSACTION,
            deadlockAttempts: 1,
            // COMMIT sent, its answer lost: once the old transaction has ended (its event row locks are free),
            // the batch's bookings are all there or none is.
            commitCheck: async (conn) => {
              if (booked.length === 0) return true; // refusals only: true whatever happened (offers aside)
              await inventory.lockEvents(conn, [...new Set(booked.map((b) => b.eventId))]);
              const found = await bookings.countExisting(
                conn,
                booked.map((b) => b.id),
              );
              if (found === booked.length) return true;
              if (found === 0) return false;
              throw new Error(`${found} of a batch's ${booked.length} bookings found: not one transaction`);
            },
          },
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
    for (const g of deferred) for (const m of g.pending()) outcomes.set(m, DEFERRED);
    return outcomes;
  }
  for (const g of deferred) for (const m of g.pending()) outcomes.set(m, DEFERRED);
  if (messages.length > 0) deps.outbox.committed(messages);
  countEffects(effects);
  if (effects.messages > 0) deps.outbox.kick();
  return outcomes;
}

/**
 * Under the batch's event row locks: free seats of an event that someone waiting fits go to its line before
 * the batch decides (docs/api.md "Waitlist": seats go back on sale only when no waiting entry fits). One query
 * for the batch; the events' free seats are lowered by what the offers took.
 */
async function lineFirst(
  conn: PoolConnection,
  deps: BookGroupDeps,
  events: Map<string, LockedSeats>,
  now: Date,
  effects: SeatEffects,
): Promise<void> {
  const open = [...events].filter(([, e]) => e.availableSeats > 0 && e.startsAt.getTime() > now.getTime());
  if (open.length === 0) return;
  const smallest = await deps.repos.waitlist.smallestWaiting(
    conn,
    open.map(([id]) => id),
  );
  for (const [id, e] of open) {
    const q = smallest.get(id);
    if (q === undefined || q > e.availableSeats) continue;
    const taken = await offerToLine(
      conn,
      { repos: deps.repos, offerTtlSeconds: deps.offerTtlSeconds },
      { id, startsAt: e.startsAt },
      e.availableSeats,
      now,
      effects,
    );
    events.set(id, { ...e, availableSeats: e.availableSeats - taken });
  }
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

/** The error a refused request is answered with. */
function refusal(outcome: Exclude<SeatOutcome, { ok: true }>): Error {
  switch (outcome.reason) {
    case 'event-unknown':
      return notFound('Event');
    case 'user-unknown':
      return notFound('User');
    case 'event-started':
      return new AppError('CONFLICT', 'This event has already started');
    case 'sold-out':
      return new AppError(
        'SOLD_OUT',
        outcome.seatsLeft === 0 ? 'This event is sold out' : `Only ${outcome.seatsLeft} seat(s) left for this event`,
      );
    case 'key-taken':
      return new KeyTaken();
  }
}

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
  const failure = transactionFailure(err, 'booking');
  if (failure !== err) return failure;
  if (isDbUnavailable(err) || err instanceof AppError) return err;
  return new AppError('UNAVAILABLE', 'The booking could not be completed and nothing was booked, try again', {
    headers: { 'Retry-After': RETRY_AFTER_SECONDS },
    cause: err,
  });
}
