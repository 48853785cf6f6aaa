import { randomUUID } from 'node:crypto';
import { assertSelfOrAdmin, type Caller, ownListScope } from '@ebs/service-kit/auth';
import { withTransaction } from '@ebs/service-kit/db';
import { AppError, notFound } from '@ebs/service-kit/errors';
import { type Page, type Paginated, paginated } from '@ebs/service-kit/http';
import type { Pool } from 'mysql2/promise';
import type { Repos } from '../data/repos';
import type { WaitlistEntry, WaitlistFilters } from '../data/waitlist.repo';
import { noEffects } from '../metrics';
import { afterCommit, isDue } from './booking-change';
import { type Idempotency, type KeyClaim, type Keyed, KeyTaken } from './idempotency';
import { offerToLine } from './offer-to-line';
import { type ReturnSeatsDeps, returnSeats } from './return-seats';
import { SEAT_TRANSACTION } from './seat-transaction';
import { failedAs } from './transaction-failure';
import { type WaitlistEntryView, waitlistEntryView } from './waitlist-view';

export type WaitlistDeps = ReturnSeatsDeps & {
  pool: Pool;
  repos: Pick<Repos, 'bookings' | 'idempotency' | 'inventory' | 'outbox' | 'seatReturn' | 'waitlist'>;
  /** Told after a commit that wrote outbox messages (the relay's kick). */
  onCommitted: () => void;
  /** The clock of cancelledAt stamps (tests inject one). */
  now: () => Date;
};

export type JoinWaitlistInput = {
  userId: string;
  eventId: string;
  quantity: number;
  requestId?: string;
  /** With an Idempotency-Key: its claim, written in the join's transaction. */
  idempotency?: KeyClaim;
};

const WHAT = 'waitlist entries';
const entryNotFound = () => notFound('Waitlist entry');

/**
 * POST /waitlist (docs/api.md "Waitlist"): one transaction under the event row lock (the lock every writer of
 * its seats and its line takes first, so "the event cannot serve you now" stays true until the entry is in):
 * unknown event -> 404; started -> 409 CONFLICT; unknown user -> 404; free seats someone already waiting
 * fits go to them first; if what is left serves this quantity -> 409 SEATS_AVAILABLE (book instead); an
 * active (waiting or offered) entry of this user for this event -> 409 CONFLICT; else the Idempotency-Key is
 * claimed and the entry joins the end of the line (seq).
 */
export async function joinWaitlist(deps: WaitlistDeps, input: JoinWaitlistInput): Promise<WaitlistEntryView> {
  const { idempotency, inventory, seatReturn, waitlist } = deps.repos;
  /** The entry the transaction inserts: what a check after a lost COMMIT answer looks for. */
  let inserted: string | undefined;
  const result = await withTransaction(
    deps.pool,
    async (conn) => {
      const effects = noEffects();
      const event = await seatReturn.lockEvent(conn, input.eventId);
      if (!event) throw notFound('Event');
      const now = await inventory.clock(conn);
      if (event.startsAt.getTime() <= now.getTime()) {
        throw new AppError('CONFLICT', 'This event has already started');
      }
      if (!(await inventory.existingUsers(conn, [input.userId])).has(input.userId)) throw notFound('User');
      const offered = await offerToLine(conn, deps, event, event.availableSeats, now, effects, input.requestId);
      const free = event.availableSeats - offered;
      if (input.quantity <= free) {
        throw new AppError('SEATS_AVAILABLE', `${free} seat(s) are available for this event: book them instead`);
      }
      if (await waitlist.lockActive(conn, input.eventId, input.userId)) {
        throw new AppError('CONFLICT', 'You are already on the waitlist of this event');
      }
      const id = randomUUID();
      const claim = input.idempotency;
      if (claim) {
        const record = {
          userId: input.userId,
          key: claim.key,
          kind: 'waitlist' as const,
          eventId: input.eventId,
          quantity: input.quantity,
          hold: false,
          resourceId: id,
          createdAt: claim.at,
        };
        if (!(await idempotency.claim(conn, record, claim.expiredAt))) throw new KeyTaken();
      }
      await waitlist.insert(conn, {
        id,
        eventId: input.eventId,
        userId: input.userId,
        quantity: input.quantity,
        status: 'waiting',
        createdAt: now,
        updatedAt: now,
      });
      inserted = id;
      return { id, effects };
    },
    {
      ...SEAT_TRANSACTION,
      // COMMIT sent, its answer lost: once the old transaction has ended (the event row lock is free), the
      // entry is there or it was never made (a refusal writes nothing that matters: it stands either way).
      commitCheck: async (conn) => {
        if (inserted === undefined) return true;
        await seatReturn.shareEvent(conn, input.eventId);
        return (await waitlist.lockById(conn, inserted)) !== undefined;
      },
    },
  ).catch(failedAs('waitlist entry'));
  afterCommit(deps, result.effects, false);
  const entry = await waitlist.findById(result.id);
  if (!entry) throw entryNotFound(); // cannot happen: committed above
  return waitlistEntryView(entry);
}

/**
 * POST /waitlist: joins once. Without an Idempotency-Key every request joins; with one, a retry of a join
 * already made (on any replica, within 24 h) answers that entry again (`replayed`).
 */
export async function placeWaitlistEntry(
  deps: WaitlistDeps & { waitlistIdempotency: Idempotency<WaitlistEntryView> },
  input: JoinWaitlistInput,
  idempotencyKey: string | undefined,
): Promise<Keyed<WaitlistEntryView>> {
  if (idempotencyKey === undefined) return { result: await joinWaitlist(deps, input), replayed: false };
  const { userId, eventId, quantity } = input;
  return deps.waitlistIdempotency.run({ userId, key: idempotencyKey, kind: 'waitlist', eventId, quantity }, (claim) =>
    joinWaitlist(deps, { ...input, idempotency: claim }),
  );
}

/** One entry, for its owner or an admin (another customer's: 403). */
export async function getWaitlistEntry(
  deps: Pick<WaitlistDeps, 'repos'>,
  id: string,
  caller: Caller,
): Promise<WaitlistEntryView> {
  const entry = await deps.repos.waitlist.findById(id);
  if (!entry) throw entryNotFound();
  assertSelfOrAdmin(caller, entry.userId, WHAT);
  return waitlistEntryView(entry);
}

/** A customer lists only their own entries (asking for another user's is 403); an admin lists any. */
export async function listWaitlist(
  deps: Pick<WaitlistDeps, 'repos'>,
  query: WaitlistFilters & Page,
  caller: Caller,
): Promise<Paginated<WaitlistEntryView>> {
  const { limit, offset, ...filters } = query;
  const scoped = { ...filters, userId: ownListScope(caller, filters.userId, WHAT) };
  const { entries, total } = await deps.repos.waitlist.list(scoped, { limit, offset });
  return paginated(entries.map(waitlistEntryView), { limit, offset }, total);
}

const ended = (e: WaitlistEntry) =>
  new AppError('CONFLICT', `This waitlist entry is ${e.status}: there is nothing to leave`);

/**
 * POST /waitlist/:id/leave: waiting -> left; offered -> left, its hold cancelled (seats back once,
 * bookings.cancelled) and offered to the next in line; left -> the same 200; confirmed or expired -> 409
 * CONFLICT. Under the event row lock, the entry and its hold re-checked there. An offer whose hold is past its
 * expiresAt by MySQL's clock is expired now (to the next in line) and answered 409 HOLD_EXPIRED.
 */
export async function leaveWaitlist(
  deps: WaitlistDeps,
  id: string,
  caller: Caller,
  requestId?: string,
): Promise<WaitlistEntryView> {
  const { bookings, inventory, seatReturn, waitlist } = deps.repos;
  const seen = await waitlist.findById(id);
  if (!seen) throw entryNotFound();
  assertSelfOrAdmin(caller, seen.userId, WHAT);
  if (seen.status === 'left') return waitlistEntryView(seen);
  if (seen.status === 'confirmed' || seen.status === 'expired') throw ended(seen);

  /** The status the transaction leaves the entry in: what a check after a lost COMMIT answer looks for. */
  let leaves: WaitlistEntry['status'] | undefined;
  const result = await withTransaction(
    deps.pool,
    async (conn) => {
      const effects = noEffects();
      const event = await seatReturn.lockEvent(conn, seen.eventId);
      const entry = await waitlist.lockById(conn, id);
      if (!event || !entry) throw entryNotFound(); // cannot happen: entries are never deleted
      leaves = 'left';
      if (entry.status === 'left') return { effects, expired: false };
      if (entry.status === 'confirmed' || entry.status === 'expired') throw ended(entry);
      const now = deps.now();
      if (entry.status === 'waiting') {
        await waitlist.setStatus(conn, [entry.id], 'left', now);
        return { effects, expired: false };
      }
      // offered: its hold ends with it (returnSeats moves the entry to left, or to expired if the hold is due).
      const booking = await bookings.lockById(conn, entry.bookingId as string);
      if (booking?.status !== 'held') throw new Error(`offered waitlist entry ${entry.id} without its hold`);
      const dbNow = await inventory.clock(conn);
      const due = isDue(booking, dbNow);
      if (!due && event.startsAt.getTime() <= dbNow.getTime()) {
        throw new AppError('CONFLICT', 'The event has started: its offer can no longer be given back');
      }
      await returnSeats(
        conn,
        deps,
        event,
        { bookings: [booking], how: due ? 'expired' : 'cancelled', now: due ? dbNow : now, dbNow, requestId },
        effects,
      );
      if (due) leaves = 'expired';
      return { effects, expired: due };
    },
    {
      ...SEAT_TRANSACTION,
      // COMMIT sent, its answer lost: once the old transaction has ended, the entry is as it left it, or not.
      commitCheck: async (conn) => {
        await seatReturn.shareEvent(conn, seen.eventId);
        return (await waitlist.lockById(conn, id))?.status === leaves;
      },
    },
  ).catch(failedAs('change to the waitlist entry'));
  afterCommit(deps, result.effects, result.expired);
  const entry = await waitlist.findById(id);
  if (!entry) throw entryNotFound();
  return waitlistEntryView(entry);
}
