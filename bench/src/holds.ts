import type { RowDataPacket } from 'mysql2/promise';
import type { Stack } from '../../e2e/test/support/stack';
import { countBy, createClient, percentile } from './client';
import { histogramQuantile, scrapeHistogram, subtractHistogram } from './metrics';
import { type BenchUser, type Made, type RushResult, serviceRushMaking } from './rush';

// Holds (docs/api.md "Holds"): a rush of POST /bookings with "hold": true until sold out, then 80% of the
// holds confirmed and every fifth left to expire. The replicas run with a short HOLD_TTL_SECONDS (main.ts
// sets it in the environment the stack hands to every service), so the expiry happens within the bench.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The hold rush: like the booking rush, with `hold: true`; the holds in the order their 201s arrived. */
export async function holdRush(
  stack: Stack,
  users: BenchUser[],
  eventId: string,
  conc: number,
): Promise<RushResult & { holds: Made[]; notHeld: number }> {
  const r = await serviceRushMaking(stack, users, [eventId], conc, { hold: true });
  // A 201 that is not a hold with its expiresAt would be a booking sold without a checkout window.
  const notHeld = r.made.filter((m) => m.body.status !== 'held' || typeof m.body.expiresAt !== 'string').length;
  return { ...r, holds: r.made, notHeld };
}

export type ConfirmResult = {
  confirms: number;
  perSec: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** 409 HOLD_EXPIRED: the hold's window had passed before its confirm came (the TTL is too short here). */
  tooLate: number;
  ms: number;
};

/**
 * Every hold but each fifth (in arrival order; `all`: every hold) is confirmed by its owner, oldest first,
 * `conc` at a time.
 */
export async function confirmHolds(
  stack: Stack,
  holds: Made[],
  conc: number,
  { all = false } = {},
): Promise<ConfirmResult> {
  const toConfirm = all ? holds : holds.filter((_, i) => i % 5 !== 4);
  const client = createClient(conc);
  const latencies: number[] = [];
  const statuses: number[] = [];
  let tooLate = 0;
  let next = 0;
  const started = Date.now();
  try {
    await Promise.all(
      Array.from({ length: conc }, async (_, w) => {
        for (let i = next++; i < toConfirm.length; i = next++) {
          const hold = toConfirm[i] as Made;
          const replica = stack.bookings[(w + i) % 2];
          const r = await client.request('POST', `${replica?.url}/bookings/${hold.id}/confirm`, {}, hold.user.auth);
          statuses.push(r.status);
          if (r.status === 200) latencies.push(r.ms);
          else if (r.status === 409 && r.body.includes('HOLD_EXPIRED')) tooLate++;
        }
      }),
    );
  } finally {
    client.close();
  }
  const ms = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    confirms: latencies.length,
    perSec: (latencies.length / ms) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses: countBy(statuses),
    tooLate,
    ms,
  };
}

type Counts = { held: number; confirmed: number; expired: number; cancelled: number; available: number; total: number };

async function countsOf(stack: Stack, eventId: string): Promise<Counts> {
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    `SELECT e.total_seats AS total, e.available_seats AS available,
            COALESCE(SUM(b.status = 'held'), 0) AS held, COALESCE(SUM(b.status = 'confirmed'), 0) AS confirmed,
            COALESCE(SUM(b.status = 'expired'), 0) AS expired, COALESCE(SUM(b.status = 'cancelled'), 0) AS cancelled
       FROM events e LEFT JOIN bookings b ON b.event_id = e.id WHERE e.id = ? GROUP BY e.id`,
    [eventId],
  );
  const r: RowDataPacket = rows[0] ?? ({} as RowDataPacket);
  return {
    held: Number(r.held),
    confirmed: Number(r.confirmed),
    expired: Number(r.expired),
    cancelled: Number(r.cancelled),
    available: Number(r.available),
    total: Number(r.total),
  };
}

/**
 * docs/api.md's invariant: total = available + seats held + seats confirmed (a hold past its expiresAt but
 * not swept yet still counts as held). True when the events satisfy it.
 */
export async function invariantHolds(stack: Stack, eventIds: string[]): Promise<boolean> {
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    `SELECT e.id FROM events e LEFT JOIN bookings b ON b.event_id = e.id AND b.status IN ('held', 'confirmed')
      WHERE e.id IN (?) GROUP BY e.id, e.total_seats, e.available_seats
     HAVING e.total_seats <> e.available_seats + COALESCE(SUM(b.quantity), 0)`,
    [eventIds],
  );
  return rows.length === 0;
}

/**
 * Waits until every booking of the event has the notification of the state it ended in (`types`: status ->
 * notification type) or the deadline passes. Any other notification of these bookings counts as `other`.
 */
export async function waitForNotifications(
  stack: Stack,
  eventId: string,
  types: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ bookings: number; notified: number; other: number; waitedMs: number }> {
  const cases = Object.entries(types)
    .map(() => 'WHEN ? THEN ?')
    .join(' ');
  const started = Date.now();
  let last = { bookings: 0, notified: 0, other: 0 };
  for (;;) {
    const [rows] = await stack.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS bookings, COALESCE(SUM(x.expected), 0) AS notified, COALESCE(SUM(x.other), 0) AS other
         FROM (SELECT b.id, SUM(n.type = CASE b.status ${cases} END) AS expected,
                      SUM(n.type <> COALESCE(CASE b.status ${cases} END, '')) AS other
                 FROM bookings b LEFT JOIN notifications n ON n.booking_id = b.id
                WHERE b.event_id = ? AND b.status IN (?) GROUP BY b.id) x`,
      [...Object.entries(types).flat(), ...Object.entries(types).flat(), eventId, Object.keys(types)],
    );
    last = { bookings: Number(rows[0]?.bookings), notified: Number(rows[0]?.notified), other: Number(rows[0]?.other) };
    if (last.notified >= last.bookings || Date.now() - started > timeoutMs) break;
    await sleep(250);
  }
  return { ...last, waitedMs: Date.now() - started };
}

export type ExpiryResult = Counts & {
  /** confirmed + available = total: every seat ended confirmed or back on sale. */
  allAccounted: boolean;
  invariant: boolean;
  /** From the last hold's expiresAt (MySQL's clock) until no hold of the event was left. */
  lastExpiryToSweptMs: number;
  /** Per expired hold, from its expiresAt to the created_at of its `<id>.expired` outbox row (the release). */
  release: { n: number; p50: number; p99: number; max: number };
  /** The same from booking-service's hold_release_delay_seconds (both replicas, this phase only). */
  histogram: { n: number; p99AtMost: number | undefined } | undefined;
  notified: { bookings: number; notified: number; other: number; waitedMs: number };
};

/** MySQL's clock minus this process's clock (ms), from the quickest of a few round trips. */
export async function clockOffsetMs(stack: Stack): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const [rows] = await stack.pool.query<RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) AS now');
    const t1 = Date.now();
    const db = ((rows[0] as RowDataPacket).now as Date).getTime();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: db - (t0 + t1) / 2 };
  }
  return best.offset;
}

/** Scrapes hold_release_delay_seconds of both replicas: pass the result to `afterExpiry` to diff. */
export const releaseHistogram = (stack: Stack) =>
  scrapeHistogram(
    stack.bookings.map((b) => `${b.url}/metrics`),
    'hold_release_delay_seconds',
  );

/**
 * After the confirms: waits (until 30 s past the last expiresAt) for the unconfirmed holds to be swept, then
 * checks where every seat ended and measures each expired hold's release delay.
 */
export async function afterExpiry(
  stack: Stack,
  eventId: string,
  holds: Made[],
  histogramBefore: Awaited<ReturnType<typeof releaseHistogram>>,
): Promise<ExpiryResult> {
  const lastExpiresAt = Math.max(...holds.map((h) => Date.parse(String(h.body.expiresAt))));
  const offset = await clockOffsetMs(stack);
  // lastExpiresAt is MySQL's clock; this process's is offset behind it.
  const deadline = lastExpiresAt - offset + 30_000;
  let counts = await countsOf(stack, eventId);
  while (counts.held > 0 && Date.now() < deadline) {
    await sleep(100);
    counts = await countsOf(stack, eventId);
  }
  const lastExpiryToSweptMs = Date.now() + offset - lastExpiresAt;
  const invariant = await invariantHolds(stack, [eventId]);
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    `SELECT TIMESTAMPDIFF(MICROSECOND, b.expires_at, o.created_at) / 1000 AS ms
       FROM bookings b JOIN outbox o ON o.msg_id = CONCAT(b.id, '.expired')
      WHERE b.event_id = ? AND b.status = 'expired'`,
    [eventId],
  );
  const delays = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const histogramAfter = await releaseHistogram(stack);
  const phase = histogramBefore && histogramAfter ? subtractHistogram(histogramAfter, histogramBefore) : undefined;
  const notified = await waitForNotifications(stack, eventId, {
    confirmed: 'booking.confirmed',
    expired: 'booking.expired',
  });
  return {
    ...counts,
    allAccounted: counts.confirmed + counts.available === counts.total && counts.held === 0,
    invariant,
    lastExpiryToSweptMs,
    release: {
      n: delays.length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: delays[delays.length - 1] ?? 0,
    },
    histogram: phase ? { n: phase.count, p99AtMost: histogramQuantile(phase, 0.99) } : undefined,
    notified,
  };
}
