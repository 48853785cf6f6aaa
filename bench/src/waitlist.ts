import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { Stack } from '../../e2e/test/support/stack';
import { countBy, createClient, percentile } from './client';
import { clockOffsetMs, invariantHolds, waitForNotifications } from './holds';
import { type BenchUser, createEvents, serviceRushMaking } from './rush';

// The waitlist (docs/api.md "Waitlist"): an event sold out with `booked` bookings, twice as many users in its
// line, then every booking cancelled at once. Each seat that comes back must go to the line, in line order.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Users who only wait in line, inserted straight into MySQL: signing up a thousand through user-service would
 * spend a minute hashing passwords, which is not what is measured. They join through the admin (POST
 * /waitlist with their userId), so they need no token.
 */
export async function insertWaiters(stack: Stack, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  const tag = Date.now();
  for (let i = 0; i < n; i += 500) {
    await stack.pool.query('INSERT INTO users (id, name, email) VALUES ?', [
      ids.slice(i, i + 500).map((id, j) => [id, `Waiter ${i + j}`, `waiter-${i + j}-${tag}@example.com`]),
    ]);
  }
  return ids;
}

export type WaitlistResult = {
  booked: number;
  joins: { perSec: number; p99: number; statuses: Record<string, number> };
  cancels: { statuses: Record<string, number>; p50: number; p99: number; spanMs: number };
  waiting: number;
  offered: number;
  /** The first `booked` entries by seq (join order) are exactly the offered ones, the rest still waiting. */
  inLineOrder: boolean;
  /** Entries after an earlier one by seq whose offer was made strictly earlier (MySQL's clock, ms). */
  offerOrderInversions: number;
  /** Offered entries whose booking is a held hold of 1 seat. */
  offersHeld: number;
  available: number;
  invariant: boolean;
  /** k-th offer (MySQL's clock) minus the k-th cancel's 200 arrival: negative when made before the answer. */
  cancelToOffer: { p50: number; p99: number; max: number };
  /** From sending the cancels (all at once) to each offer: the queue on the event's row lock included. */
  sentToOffer: { p50: number; p99: number };
  /** From sending the cancels to the last offer. */
  lastOfferMs: number;
  notified: { offers: number; once: number; more: number; waitedMs: number; offerToNotificationP99: number };
};

/** The whole drain on a new event: `booked` seats sold, 2x `booked` waiters from `waiters` join, all cancelled. */
export async function waitlistDrain(
  stack: Stack,
  users: BenchUser[],
  waiters: string[],
  booked: number,
  conc: number,
): Promise<WaitlistResult> {
  const [eventId] = (await createEvents(stack, 1, booked)) as [string];
  const sold = await serviceRushMaking(stack, users, [eventId], conc);

  // The line: 2x booked users join, `conc` at a time, alternating replicas. seq is their order.
  const joiners = waiters.slice(0, 2 * booked);
  const client = createClient(Math.max(conc, booked));
  const joinLatencies: number[] = [];
  const joinStatuses: number[] = [];
  let next = 0;
  const joinStarted = Date.now();
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      for (let i = next++; i < joiners.length; i = next++) {
        const replica = stack.bookings[(w + i) % 2];
        const r = await client.request(
          'POST',
          `${replica?.url}/waitlist`,
          { eventId, userId: joiners[i], quantity: 1 },
          stack.adminAuth,
        );
        joinStatuses.push(r.status);
        if (r.status === 201) joinLatencies.push(r.ms);
      }
    }),
  );
  const joinMs = Date.now() - joinStarted;
  joinLatencies.sort((a, b) => a - b);
  // The bookings' own notifications first, so the consumers are idle when the cancels come.
  await waitForNotifications(stack, eventId, { confirmed: 'booking.confirmed' });

  const offset = await clockOffsetMs(stack);
  const cancelStarted = Date.now();
  const cancels = await Promise.all(
    sold.made.map(async (b, i) => {
      const r = await client.request('POST', `${stack.bookings[i % 2]?.url}/bookings/${b.id}/cancel`, {}, b.user.auth);
      return { status: r.status, ms: r.ms, at: Date.now() };
    }),
  );
  client.close();

  // Offers are made in the cancels' transactions (docs/api.md); should they lag, give them 30 s.
  const offersDeadline = Date.now() + 30_000;
  const readLine = async () => {
    const [rows] = await stack.pool.query<RowDataPacket[]>(
      `SELECT w.seq, w.status, b.status AS booking_status, b.quantity, b.created_at
         FROM waitlist_entries w LEFT JOIN bookings b ON b.id = w.booking_id
        WHERE w.event_id = ? ORDER BY w.seq`,
      [eventId],
    );
    return rows;
  };
  let line = await readLine();
  const okCancels = cancels.filter((c) => c.status === 200).length;
  while (line.filter((e) => e.status === 'offered').length < okCancels && Date.now() < offersDeadline) {
    await sleep(100);
    line = await readLine();
  }

  const offeredEntries = line.filter((e) => e.status === 'offered');
  const inLineOrder =
    line.slice(0, okCancels).every((e) => e.status === 'offered') &&
    line.slice(okCancels).every((e) => e.status === 'waiting');
  // When each offer was made (its hold's createdAt, MySQL's clock), in line order.
  const offeredAt = offeredEntries.map((e) => (e.created_at as Date).getTime());
  let offerOrderInversions = 0;
  for (let i = 1; i < offeredAt.length; i++)
    if ((offeredAt[i] as number) < (offeredAt[i - 1] as number)) offerOrderInversions++;
  const offerTimes = [...offeredAt].sort((a, b) => a - b);
  const answered = cancels
    .filter((c) => c.status === 200)
    .map((c) => c.at + offset)
    .sort((a, b) => a - b);
  const diffs = offerTimes.map((t, k) => t - (answered[k] ?? Number.NaN)).filter(Number.isFinite);
  diffs.sort((a, b) => a - b);
  const sinceSent = offerTimes.map((t) => t - (cancelStarted + offset));
  const cancelLatencies = cancels.map((c) => c.ms).sort((a, b) => a - b);

  const [seats] = await stack.pool.query<RowDataPacket[]>('SELECT available_seats FROM events WHERE id = ?', [eventId]);
  const invariant = await invariantHolds(stack, [eventId]);
  const notified = await offerNotifications(stack, eventId, okCancels);

  return {
    booked: sold.made.length,
    joins: {
      perSec: (joinLatencies.length / joinMs) * 1000,
      p99: percentile(joinLatencies, 99),
      statuses: countBy(joinStatuses),
    },
    cancels: {
      statuses: countBy(cancels.map((c) => c.status)),
      p50: percentile(cancelLatencies, 50),
      p99: percentile(cancelLatencies, 99),
      spanMs: Math.max(...cancels.map((c) => c.at)) - cancelStarted,
    },
    waiting: line.filter((e) => e.status === 'waiting').length,
    offered: offeredEntries.length,
    inLineOrder,
    offerOrderInversions,
    offersHeld: offeredEntries.filter((e) => e.booking_status === 'held' && Number(e.quantity) === 1).length,
    available: Number(seats[0]?.available_seats),
    invariant,
    cancelToOffer: {
      p50: percentile(diffs, 50),
      p99: percentile(diffs, 99),
      max: diffs[diffs.length - 1] ?? 0,
    },
    sentToOffer: {
      p50: percentile(sinceSent, 50),
      p99: percentile(sinceSent, 99),
    },
    lastOfferMs: (offerTimes[offerTimes.length - 1] ?? Number.NaN) - (cancelStarted + offset),
    notified,
  };
}

/** Waits (60 s at most) for one waitlist.offered notification per offer of the event. */
async function offerNotifications(stack: Stack, eventId: string, expected: number) {
  const started = Date.now();
  const read = async () => {
    const [rows] = await stack.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS offers, COALESCE(SUM(x.n = 1), 0) AS once, COALESCE(SUM(x.n > 1), 0) AS more
         FROM (SELECT w.booking_id, COUNT(n.id) AS n
                 FROM waitlist_entries w
                 LEFT JOIN notifications n ON n.booking_id = w.booking_id AND n.type = 'waitlist.offered'
                WHERE w.event_id = ? AND w.status = 'offered' GROUP BY w.booking_id) x`,
      [eventId],
    );
    return { offers: Number(rows[0]?.offers), once: Number(rows[0]?.once), more: Number(rows[0]?.more) };
  };
  let r = await read();
  while (r.once + r.more < expected && Date.now() - started < 60_000) {
    await sleep(250);
    r = await read();
  }
  const waitedMs = Date.now() - started;
  const [delays] = await stack.pool.query<RowDataPacket[]>(
    `SELECT TIMESTAMPDIFF(MICROSECOND, b.created_at, n.created_at) / 1000 AS ms
       FROM waitlist_entries w JOIN bookings b ON b.id = w.booking_id
       JOIN notifications n ON n.booking_id = w.booking_id AND n.type = 'waitlist.offered'
      WHERE w.event_id = ?`,
    [eventId],
  );
  const ms = delays.map((d) => Number(d.ms)).sort((a, b) => a - b);
  return { ...r, waitedMs, offerToNotificationP99: percentile(ms, 99) };
}
