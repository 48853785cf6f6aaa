import { AppError } from '@ebs/service-kit/errors';
import type { BookingsRepo } from '../data/bookings.repo';
import type { IdempotencyRecord, IdempotencyRepo, KeyKind } from '../data/idempotency.repo';
import type { WaitlistRepo } from '../data/waitlist.repo';
import { type BookingView, bookingView } from './booking-view';
import { type WaitlistEntryView, waitlistEntryView } from './waitlist-view';

/** A remembered key answers for 24 h; older rows count as absent and are purged. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * `Idempotency-Key`: 1-255 printable ASCII characters (docs/api.md "Booking lifecycle"), not ending in a space:
 * the key column's binary collation pads with spaces (MySQL 8 and MariaDB alike), so "a" and "a " would be one key.
 */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{0,254}[\x21-\x7e]$/;

/**
 * A keyed POST /bookings or POST /waitlist: the key is scoped to the user the booking (entry) is for; its
 * fingerprint is what it makes (kind, default a booking) and its body (eventId, quantity, hold).
 */
export type KeyedRequest = {
  userId: string;
  key: string;
  kind?: KeyKind;
  eventId: string;
  quantity: number;
  hold?: boolean;
};

/**
 * The claim of an Idempotency-Key, carried as data by a keyed booking request (for the user the booking is
 * for). The booking's group transaction writes it, after the request's seats were found free and before
 * anything else is written: the key row names the booking. When another request with this key has committed
 * (on any replica) the request writes nothing and takes no seats, and fails with KeyTaken (the key's holder
 * answers it). Refused requests never claim, so they leave no key.
 */
export type KeyClaim = {
  key: string;
  /** The key row's created_at (the idempotency clock, which tests inject). */
  at: Date;
  /** A row of this key created at or before this has expired: it is replaced, not a conflict. */
  expiredAt?: Date;
};

/** The outcome of a request whose key another request committed first; `run` answers it from that one. */
export class KeyTaken extends Error {
  constructor() {
    super('Idempotency-Key already used');
    this.name = 'KeyTaken';
  }
}

export type Keyed<T> = { result: T; replayed: boolean };

export type Idempotency<T = BookingView> = {
  /**
   * Runs `attempt` at most once for a (user, key) at a time in this replica and at most once ever (24 h)
   * across replicas:
   * - a request with this key in flight here: the same body waits for its outcome and shares it (replayed),
   *   another body is 409 CONFLICT (the first may still fail, and then the key is free);
   * - a remembered key (committed booking, younger than 24 h): same body -> that booking (replayed),
   *   another body -> 422 IDEMPOTENCY_MISMATCH; nothing is booked;
   * - else `attempt(claim)` books, its request carrying `claim`; when the claim finds the key taken meanwhile (another replica committed
   *   it first), the remembered key answers as above.
   */
  run: (req: KeyedRequest, attempt: (claim: KeyClaim) => Promise<T>) => Promise<Keyed<T>>;
};

/** Idempotency-Key of POST /bookings (a booking or a hold). */
export const createIdempotency = (deps: { idempotency: IdempotencyRepo; bookings: BookingsRepo; now: () => Date }) =>
  createKeyedRuns<BookingView>({
    ...deps,
    what: 'booking',
    load: async (id) => {
      const b = await deps.bookings.findById(id);
      return b && bookingView(b);
    },
  });

/** Idempotency-Key of POST /waitlist. */
export const createWaitlistIdempotency = (deps: {
  idempotency: IdempotencyRepo;
  waitlist: WaitlistRepo;
  now: () => Date;
}) =>
  createKeyedRuns<WaitlistEntryView>({
    ...deps,
    what: 'waitlist entry',
    load: async (id) => {
      const e = await deps.waitlist.findById(id);
      return e && waitlistEntryView(e);
    },
  });

/** Refusals after which the key is looked up again: another replica's request with it may have won meanwhile. */
const REFUSALS_TO_RECHECK = new Set(['SOLD_OUT', 'SEATS_AVAILABLE', 'CONFLICT']);

function createKeyedRuns<T>(deps: {
  idempotency: IdempotencyRepo;
  now: () => Date;
  /** What a key makes here, for messages. */
  what: string;
  /** Reads what a remembered key made, as the API answers it. */
  load: (id: string) => Promise<T | undefined>;
}): Idempotency<T> {
  const inFlight = new Map<string, { fingerprint: string; outcome: Promise<T> }>();

  async function answerFromRecord(record: IdempotencyRecord, req: KeyedRequest): Promise<Keyed<T>> {
    if (
      record.kind !== (req.kind ?? 'booking') ||
      record.eventId !== req.eventId ||
      record.quantity !== req.quantity ||
      record.hold !== (req.hold === true)
    ) {
      throw new AppError(
        'IDEMPOTENCY_MISMATCH',
        'This Idempotency-Key was already used with another request (route or body: eventId, quantity, hold)',
      );
    }
    const result = await deps.load(record.resourceId);
    if (!result) throw new AppError('CONFLICT', `The ${deps.what} of this Idempotency-Key is not readable yet, retry`);
    return { result, replayed: true };
  }

  return {
    async run(req, attempt) {
      const slot = `${req.userId}\n${req.key}`;
      const fingerprint = `${req.kind ?? 'booking'}/${req.eventId}/${req.quantity}/${req.hold === true}`;
      const running = inFlight.get(slot);
      if (running) {
        if (running.fingerprint !== fingerprint) {
          throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in flight');
        }
        return { result: await running.outcome, replayed: true };
      }
      const outcome = (async (): Promise<Keyed<T>> => {
        const cutoff = new Date(deps.now().getTime() - IDEMPOTENCY_TTL_MS);
        const known = await deps.idempotency.find(req.userId, req.key);
        if (known && known.createdAt > cutoff) return answerFromRecord(known, req);
        const claim: KeyClaim = { key: req.key, at: deps.now(), ...(known ? { expiredAt: cutoff } : {}) };
        try {
          return { result: await attempt(claim), replayed: false };
        } catch (err) {
          if (err instanceof AppError && REFUSALS_TO_RECHECK.has(err.code)) {
            // Refused (no seats, seats free, an active entry), but another replica's request with this key may
            // have won before our turn (our look-up ran before its commit): then its result is the answer.
            const taken = await deps.idempotency.find(req.userId, req.key);
            if (taken && taken.createdAt > cutoff) return answerFromRecord(taken, req);
          }
          if (!(err instanceof KeyTaken)) throw err;
          // Another replica committed this key first (we waited on its row): its booking answers.
          // (Or one still in flight holds it: then the row read here is an older, expired one, or none.)
          const taken = await deps.idempotency.find(req.userId, req.key);
          if (!taken || taken.createdAt <= cutoff) {
            throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in flight');
          }
          return answerFromRecord(taken, req);
        }
      })();
      const shared = outcome.then((k) => k.result);
      shared.catch(() => {}); // followers handle it; the leader's own await below reports it
      inFlight.set(slot, { fingerprint, outcome: shared });
      try {
        return await outcome;
      } finally {
        inFlight.delete(slot);
      }
    },
  };
}
