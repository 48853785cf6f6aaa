import { isDbUnavailable } from '@ebs/service-kit/db';
import { AppError } from '@ebs/service-kit/errors';
import { client } from '@ebs/service-kit/observability';
import type { OutboxBacklog, OutboxRepo } from './data/outbox.repo';
import type { WaitlistRepo } from './data/waitlist.repo';

// booking-service's own Prometheus metrics (lib/metrics.ts has the process and HTTP ones). Code that books
// calls the named functions below, one line each.

const bookings = new client.Counter({
  name: 'bookings_total',
  help: 'POST /bookings answers by HTTP status (201 booked or held, 404 unknown user/event, 409 sold out or key in flight, 422 key reused, 503 busy; not the 400/401/403 the edge refuses first)',
  labelNames: ['status'] as const,
});

const groupSize = new client.Histogram({
  name: 'booking_group_size',
  help: 'Bookings served by one transaction (one take of the row locks of its events)',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
});

const lockWait = new client.Histogram({
  name: 'booking_lock_wait_seconds',
  help: 'Time spent waiting for the event row lock (SELECT ... FOR UPDATE)',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Counts a booking attempt by the status it answers; hands the result (or the error) through. */
export async function countBookingOutcome<T>(booking: Promise<T>): Promise<T> {
  try {
    const result = await booking;
    bookings.inc({ status: '201' });
    return result;
  } catch (err) {
    bookings.inc({ status: String(statusOf(err)) });
    throw err;
  }
}

function statusOf(err: unknown): number {
  if (err instanceof AppError) return err.status;
  return isDbUnavailable(err) ? 503 : 500;
}

/** Starts timing a row-lock wait; done(n) records the wait and the n bookings served under that lock. */
export function startLockWait(): { done: (groupSize: number) => void } {
  const stop = lockWait.startTimer();
  return {
    done: (n) => {
      stop();
      groupSize.observe(n);
    },
  };
}

let readBacklog: (() => Promise<OutboxBacklog>) | undefined;
let inFlight: Promise<OutboxBacklog> | undefined;

/** A scrape collects both outbox gauges at once: they share one read. */
function backlogNow(): Promise<OutboxBacklog> | undefined {
  if (!readBacklog) return undefined;
  inFlight ??= readBacklog().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

new client.Gauge({
  name: 'outbox_backlog',
  help: 'Outbox messages not yet published to NATS (read from MySQL at each scrape)',
  async collect() {
    const b = await backlogNow()?.catch(() => undefined);
    if (b) this.set(b.backlog);
  },
});

new client.Gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'Age of the oldest unpublished outbox message, 0 when none waits',
  async collect() {
    const b = await backlogNow()?.catch(() => undefined);
    if (b) this.set(b.oldestAgeSeconds);
  },
});

/** Lets the outbox gauges read the backlog from this repository at scrape time. */
export function watchOutbox(outbox: Pick<OutboxRepo, 'backlog'>): void {
  readBacklog = () => outbox.backlog();
}

// Holds and the waitlist (docs/api.md "Holds", "Waitlist").

export type HoldOutcome = 'created' | 'confirmed' | 'cancelled' | 'expired';
export type OfferOutcome = 'made' | 'confirmed' | 'expired' | 'left';

const holds = new client.Counter({
  name: 'holds_total',
  help: 'Holds by outcome: created (POST /bookings with hold, or an offer to the waitlist), confirmed, cancelled, expired',
  labelNames: ['outcome'] as const,
});

const releaseDelay = new client.Histogram({
  name: 'hold_release_delay_seconds',
  help: "Time from a hold's expiresAt to the commit that gave its seats back (MySQL's clock)",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 30, 60],
});

const offers = new client.Counter({
  name: 'waitlist_offers_total',
  help: 'Waitlist offers by outcome: made (a hold for the entry), confirmed, expired, left',
  labelNames: ['outcome'] as const,
});

/** What one committed transaction did to holds and offers, counted only once it has committed. */
export type SeatEffects = {
  holds: Record<HoldOutcome, number>;
  offers: Record<OfferOutcome, number>;
  /** Per hold released as expired: seconds from its expiresAt to the release. */
  releaseDelaysSeconds: number[];
  /** Outbox messages written (the relay is kicked when there are any). */
  messages: number;
};

export const noEffects = (): SeatEffects => ({
  holds: { created: 0, confirmed: 0, cancelled: 0, expired: 0 },
  offers: { made: 0, confirmed: 0, expired: 0, left: 0 },
  releaseDelaysSeconds: [],
  messages: 0,
});

/** Counts what a committed transaction did (never called for one that rolled back). */
export function countEffects(e: SeatEffects): void {
  for (const [outcome, n] of Object.entries(e.holds)) if (n > 0) holds.inc({ outcome }, n);
  for (const [outcome, n] of Object.entries(e.offers)) if (n > 0) offers.inc({ outcome }, n);
  for (const s of e.releaseDelaysSeconds) releaseDelay.observe(Math.max(0, s));
}

let readWaiting: (() => Promise<number>) | undefined;

new client.Gauge({
  name: 'waitlist_waiting',
  help: 'Waitlist entries waiting for seats, over all events (read from MySQL at each scrape)',
  async collect() {
    const n = await readWaiting?.().catch(() => undefined);
    if (n !== undefined) this.set(n);
  },
});

/** Lets the waitlist gauge read from this repository at scrape time. */
export function watchWaitlist(waitlist: Pick<WaitlistRepo, 'waitingCount'>): void {
  readWaiting = () => waitlist.waitingCount();
}
