import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { type Stack, startStack } from '../../e2e/test/support/stack';
import { countBy, createClient, percentile } from './client';
import { describeCpu, startCpu } from './cpu';
import { afterExpiry, confirmHolds, holdRush, releaseHistogram, waitForNotifications } from './holds';
import { rawBook, rawBookGroup } from './raw';
import { type BenchUser, createEvents, createUsers, type RushResult, rushWith } from './rush';
import { insertWaiters, waitlistDrain } from './waitlist';

// npm run bench [SEATS=3000] [CONC=64] [BURST=2000] [READ_SECONDS=5] [WARM=3000] [HOLD_TTL_SECONDS=30]
//   [WAITLIST=500] [SMOKE=1: tiny sizes, for CI]
const SMOKE = process.env.SMOKE === '1';
const SEATS = Number(process.env.SEATS ?? (SMOKE ? 200 : 3000));
const CONC = Number(process.env.CONC ?? (SMOKE ? 8 : 64));
/** The burst: this many clients at once on one event over the two replicas, at the default settings. */
const BURST = Number(process.env.BURST ?? (SMOKE ? 200 : 2000));
const READ_SECONDS = Number(process.env.READ_SECONDS ?? (SMOKE ? 1 : 5));
const EVENTS_SPREAD = SMOKE ? 10 : 50;
/** Seats of the warm-up rush (service and raw alike) run before anything is measured. */
const WARM = Number(process.env.WARM ?? (SMOKE ? 100 : 3000));
/** Seats per transaction of the raw grouped baseline: about what each replica's groups hold at CONC. */
const RAW_GROUP = Math.max(1, Math.round(CONC / 2));
/**
 * The hold window of both booking replicas (default 600 s): short, so the holds left unconfirmed expire within
 * the bench, and long enough that the confirms, made after the whole hold rush, oldest first, come in time
 * (each confirm is a transaction of its own on the event's row lock: 2400 of them took 12 s on a busy 2-core
 * machine, so 10 s was too short). The stack hands this process's environment to every service it starts.
 */
const HOLD_TTL_SECONDS = Number(process.env.HOLD_TTL_SECONDS ?? (SMOKE ? 10 : 30));
process.env.HOLD_TTL_SECONDS = String(HOLD_TTL_SECONDS);
/** The waitlist drain: an event of this many seats sold out, twice as many users in line, all cancelled at once. */
const WAITLIST = Number(process.env.WAITLIST ?? (SMOKE ? 50 : 500));
/** Its warm-up: the same on a small event. */
const WAITLIST_WARM = SMOKE ? 10 : 50;

/** The rush through the service, alternating between the two booking replicas. */
async function serviceRush(stack: Stack, users: BenchUser[], events: string[], conc = CONC): Promise<RushResult> {
  const client = createClient(conc);
  try {
    return await rushWith(conc, events, async (w, i, eventId) => {
      const replica = stack.bookings[(w + i) % 2];
      const user = users[w % users.length] as BenchUser;
      const r = await client.request('POST', `${replica?.url}/bookings`, { eventId }, user.auth);
      return { booked: r.status === 201, soldOut: r.status === 409, ms: r.ms, outcome: r.status };
    });
  } finally {
    client.close();
  }
}

/** The same rush through mysql2 directly, same concurrency, same server. */
async function rawRush(stack: Stack, users: BenchUser[], events: string[]): Promise<RushResult> {
  const pool = mysql.createPool({
    host: stack.env.MYSQL_HOST,
    port: Number(stack.env.MYSQL_PORT),
    user: stack.env.MYSQL_USER,
    password: stack.env.MYSQL_PASSWORD,
    database: stack.database,
    connectionLimit: 20, // the two replicas' pools together
    timezone: 'Z',
  });
  try {
    return await rushWith(CONC, events, async (w, _i, eventId) => {
      const t0 = process.hrtime.bigint();
      const outcome = await rawBook(pool, (users[w % users.length] as BenchUser).id, eventId);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      return { booked: outcome === 'booked', soldOut: outcome === 'sold_out', ms, outcome };
    });
  } finally {
    await pool.end();
  }
}

/** The raw grouped transaction: two workers (one per replica) each booking RAW_GROUP seats per transaction. */
async function rawGroupedRush(stack: Stack, users: BenchUser[], eventId: string) {
  const pool = mysql.createPool({
    host: stack.env.MYSQL_HOST,
    port: Number(stack.env.MYSQL_PORT),
    user: stack.env.MYSQL_USER,
    password: stack.env.MYSQL_PASSWORD,
    database: stack.database,
    connectionLimit: 2,
    timezone: 'Z',
  });
  const latencies: number[] = [];
  let booked = 0;
  let soldOut = false;
  const started = Date.now();
  try {
    await Promise.all(
      [0, 1].map(async () => {
        while (!soldOut) {
          const t0 = process.hrtime.bigint();
          const r = await rawBookGroup(
            pool,
            users.map((u) => u.id),
            eventId,
            RAW_GROUP,
          );
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          for (let i = 0; i < r.booked; i++) latencies.push(ms);
          booked += r.booked;
          if (r.soldOut) soldOut = true;
        }
      }),
    );
  } finally {
    await pool.end();
  }
  const ms = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    bookingsPerSec: (booked / ms) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    groupSize: RAW_GROUP,
    ms,
  };
}

async function integrity(stack: Stack, events: string[]) {
  const [seats] = await stack.pool.query<RowDataPacket[]>(
    'SELECT SUM(total_seats) AS total, SUM(available_seats) AS available FROM events WHERE id IN (?)',
    [events],
  );
  const [booked] = await stack.pool.query<RowDataPacket[]>(
    'SELECT COALESCE(SUM(quantity), 0) AS n, COUNT(*) AS c FROM bookings WHERE event_id IN (?)',
    [events],
  );
  const total = Number(seats[0]?.total);
  const sold = Number(booked[0]?.n);
  const bookings = Number(booked[0]?.c);
  const deadline = Date.now() + 60_000;
  let notified = 0;
  let notifiedTwice = 0;
  while (Date.now() < deadline) {
    const [n] = await stack.pool.query<RowDataPacket[]>(
      `SELECT COUNT(DISTINCT booking_id) AS d, COUNT(*) - COUNT(DISTINCT booking_id) AS dup FROM notifications
        WHERE booking_id IN (SELECT id FROM bookings WHERE event_id IN (?))`,
      [events],
    );
    notified = Number(n[0]?.d);
    notifiedTwice = Number(n[0]?.dup);
    if (notified >= bookings) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const available = Number(seats[0]?.available);
  return {
    seats: total,
    sold,
    oversold: Math.max(0, sold - total),
    available,
    /** sum of booked quantities == total - available */
    balanced: sold === total - available,
    bookings,
    notified,
    notifiedTwice,
  };
}

async function afterSoldOut(stack: Stack, users: BenchUser[], eventId: string) {
  const client = createClient(CONC);
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      client.request(
        'POST',
        `${stack.bookings[i % 2]?.url}/bookings`,
        { eventId },
        (users[i % users.length] as BenchUser).auth,
      ),
    ),
  );
  client.close();
  return countBy(results.map((r) => r.status));
}

async function readLoad(
  url: string,
  seconds = READ_SECONDS,
): Promise<{ rps: number; p99: number; statuses: Record<string, number> }> {
  const client = createClient(CONC);
  const latencies: number[] = [];
  const statuses: number[] = [];
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (Date.now() < until) {
        const r = await client.request('GET', url);
        statuses.push(r.status);
        latencies.push(r.ms);
      }
    }),
  );
  const ms = Date.now() - started;
  client.close();
  latencies.sort((a, b) => a - b);
  return { rps: (latencies.length / ms) * 1000, p99: percentile(latencies, 99), statuses: countBy(statuses) };
}

const f = (n: number, d = 1) => n.toFixed(d);

/** A histogram quantile's bucket: "<= 1.5 s", or why there is none. */
const describeBucket = (h: { n: number; p99AtMost: number | undefined } | undefined) =>
  h === undefined
    ? 'not exposed'
    : h.p99AtMost === undefined
      ? 'no observations'
      : `<= ${h.p99AtMost} s (${h.n} observed)`;

/**
 * Every measured path runs once, unmeasured, before anything is measured: V8 compiles a function with its
 * optimizing tier only after many calls, so the first few thousand requests of a fresh process time the
 * interpreter (profiled here: the first 3000-seat rush spent ~3.2 ms of CPU per booking, the second ~1.8 ms).
 * A service in production has long passed that point. The raw baselines get the same warm-up (their mysql2
 * code runs in this process), and the consumers drain the warm-up's messages before the first measurement.
 */
async function warmUp(stack: Stack, users: BenchUser[], waiters: string[]): Promise<void> {
  const [serviceEvent] = await createEvents(stack, 1, WARM);
  await serviceRush(stack, users, [serviceEvent as string]);
  const [rawEvent] = await createEvents(stack, 1, WARM);
  await rawRush(stack, users, [rawEvent as string]);
  await integrity(stack, [serviceEvent as string]);
  // Holds and confirms (every one confirmed here: nothing of the warm-up expires while measuring), and a
  // small waitlist drain.
  const [holdEvent] = await createEvents(stack, 1, WARM);
  const holds = await holdRush(stack, users, holdEvent as string, CONC);
  await confirmHolds(stack, holds.holds, CONC, { all: true });
  await waitForNotifications(stack, holdEvent as string, {
    confirmed: 'booking.confirmed',
    expired: 'booking.expired',
  });
  await waitlistDrain(stack, users, waiters, WAITLIST_WARM, CONC);
}

async function main() {
  const stack = await startStack();
  try {
    const [version] = await stack.pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
    const machine = {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: process.version,
      database: String(version[0]?.v),
      smoke: SMOKE,
    };
    console.log(
      `bench: SEATS=${SEATS} CONC=${CONC} BURST=${BURST} WAITLIST=${WAITLIST} on ${machine.cores} cores, Node ${machine.node}, ${machine.database}; booking replicas with HOLD_TTL_SECONDS=${HOLD_TTL_SECONDS}`,
    );
    const users = await createUsers(stack, Math.min(CONC, 64));
    const waiters = await insertWaiters(stack, 2 * Math.max(WAITLIST, WAITLIST_WARM));
    await warmUp(stack, users, waiters);

    const [rushEvent] = await createEvents(stack, 1, SEATS);
    // CPU per process from the first booking until every booking is notified (the consumers' share too; the
    // bench polls for the notifications every 250 ms meanwhile, a few queries).
    let cpu = startCpu(stack);
    const rush = await serviceRush(stack, users, [rushEvent as string]);
    const rushNotified = await integrity(stack, [rushEvent as string]);
    const rushCpu = cpu();
    const extra = await afterSoldOut(stack, users, rushEvent as string);
    // Checked again after the 200 more: nothing they did may change what was sold.
    const rushCheck = await integrity(stack, [rushEvent as string]);

    // The hold rush right after the booking rush, so that their rates compare; then the confirms, then the
    // wait for the unconfirmed fifth to expire (HOLD_TTL_SECONDS after each hold).
    const [holdEvent] = (await createEvents(stack, 1, SEATS)) as [string];
    const histogramBefore = await releaseHistogram(stack);
    cpu = startCpu(stack);
    const hold = await holdRush(stack, users, holdEvent, CONC);
    const holdCpu = cpu();
    cpu = startCpu(stack);
    const confirm = await confirmHolds(stack, hold.holds, CONC);
    const confirmCpu = cpu();
    const expiry = await afterExpiry(stack, holdEvent, hold.holds, histogramBefore);

    const [burstEvent] = await createEvents(stack, 1, SEATS);
    const burst = await serviceRush(stack, users, [burstEvent as string], BURST);
    const burstCheck = await integrity(stack, [burstEvent as string]);

    const [rawEvent] = await createEvents(stack, 1, SEATS);
    cpu = startCpu(stack);
    const raw = await rawRush(stack, users, [rawEvent as string]);
    const rawCpu = cpu();
    const [rawGroupEvent] = await createEvents(stack, 1, SEATS);
    const rawGrouped = await rawGroupedRush(stack, users, rawGroupEvent as string);

    const spreadEvents = await createEvents(stack, EVENTS_SPREAD, Math.max(1, Math.floor(SEATS / EVENTS_SPREAD)));
    cpu = startCpu(stack);
    const spread = await serviceRush(stack, users, spreadEvents);
    const spreadCheck = await integrity(stack, spreadEvents);
    const spreadCpu = cpu();
    const rawSpreadEvents = await createEvents(stack, EVENTS_SPREAD, Math.max(1, Math.floor(SEATS / EVENTS_SPREAD)));
    cpu = startCpu(stack);
    const rawSpread = await rawRush(stack, users, rawSpreadEvents);
    const rawSpreadCpu = cpu();

    const drain = await waitlistDrain(stack, users, waiters, WAITLIST, CONC);

    const readEvent = (await createEvents(stack, 1, 10))[0] as string;
    const noCache = await stack.extra('event-service', { REDIS_URL: 'redis://127.0.0.1:1' });
    await fetch(`${stack.events.url}/events/${readEvent}`); // fill the cache
    // Each read path warmed up as the rush was (not measured).
    for (const url of [
      `${stack.events.url}/events/${readEvent}`,
      `${noCache.url}/events/${readEvent}`,
      `${stack.events.url}/health`,
    ])
      await readLoad(url, Math.max(1, READ_SECONDS / 2));
    const cached = await readLoad(`${stack.events.url}/events/${readEvent}`);
    const uncached = await readLoad(`${noCache.url}/events/${readEvent}`);
    const health = await readLoad(`${stack.events.url}/health`);

    const results = {
      at: new Date().toISOString(),
      machine,
      params: { SEATS, CONC, BURST, READ_SECONDS, EVENTS_SPREAD, RAW_GROUP, WARM, HOLD_TTL_SECONDS, WAITLIST },
      rush: { ...rush, afterSoldOut: extra, ...rushCheck },
      holds: {
        holdTtlSeconds: HOLD_TTL_SECONDS,
        rush: { ...hold, holds: undefined, made: undefined, held: hold.holds.length },
        holdsOverRush: hold.bookingsPerSec / rush.bookingsPerSec,
        confirm,
        expiry,
      },
      waitlist: drain,
      burst: { ...burst, ...burstCheck },
      raw,
      rawGrouped,
      rushRatio: rush.bookingsPerSec / raw.bookingsPerSec,
      burstRatio: burst.bookingsPerSec / raw.bookingsPerSec,
      rawGroupedRatio: rawGrouped.bookingsPerSec / raw.bookingsPerSec,
      spread: { ...spread, ...spreadCheck },
      rawSpread,
      spreadRatio: spread.bookingsPerSec / rawSpread.bookingsPerSec,
      reads: { cached, uncached, health, cachedOverHealth: cached.rps / health.rps },
      /** CPU ms per process over each phase (rush and spread: until every booking was notified). */
      cpu: {
        rush: rushCpu,
        hold: holdCpu,
        confirm: confirmCpu,
        raw: rawCpu,
        spread: spreadCpu,
        rawSpread: rawSpreadCpu,
      },
    };
    const fivexx = (s: Record<string, number>) =>
      Object.entries(s)
        .filter(([k]) => Number(k) >= 500 || k === '0')
        .reduce((a, [, v]) => a + v, 0);
    const table = [
      '| measure | figure |',
      '| --- | --- |',
      `| ticket rush (1 event, ${SEATS} seats, ${CONC} clients, 2 replicas) | ${f(rush.bookingsPerSec)} bookings/s, p50 ${f(rush.p50)} ms, p95 ${f(rush.p95)} ms, p99 ${f(rush.p99)} ms |`,
      `| rush statuses | ${JSON.stringify(rush.statuses)}; then 200 more: ${JSON.stringify(extra)} |`,
      `| rush integrity | sold ${rushCheck.sold}/${rushCheck.seats}, oversold ${rushCheck.oversold}, balanced ${rushCheck.balanced}, notified ${rushCheck.notified}/${rushCheck.bookings} (twice: ${rushCheck.notifiedTwice}), 5xx/errors ${fivexx(rush.statuses)} |`,
      `| hold rush (1 event, ${SEATS} seats, ${CONC} clients, "hold": true) | ${f(hold.bookingsPerSec)} holds/s, p50 ${f(hold.p50)} ms, p95 ${f(hold.p95)} ms, p99 ${f(hold.p99)} ms; ${JSON.stringify(hold.statuses)} |`,
      `| holds / booking rush (same run) | ${f(results.holds.holdsOverRush, 2)} (target: within 10%, >= 0.90) |`,
      `| confirms (80% of the holds, oldest first, ${CONC} clients) | ${confirm.confirms} confirmed, ${f(confirm.perSec)}/s, p50 ${f(confirm.p50)} ms, p99 ${f(confirm.p99)} ms; ${JSON.stringify(confirm.statuses)}; too late (HOLD_EXPIRED) ${confirm.tooLate} |`,
      `| hold expiry (HOLD_TTL_SECONDS=${HOLD_TTL_SECONDS} on both replicas; 20% left to expire) | ${expiry.expired} expired; expiresAt to release (outbox created_at) p50 ${f(expiry.release.p50)} ms, p99 ${f(expiry.release.p99)} ms, max ${f(expiry.release.max)} ms (${expiry.release.n} measured; target p99 <= 5000 ms); hold_release_delay_seconds p99 ${describeBucket(expiry.histogram)} |`,
      `| hold integrity | confirmed ${expiry.confirmed} + available ${expiry.available} = ${expiry.confirmed + expiry.available}/${expiry.total}, held left ${expiry.held}, invariant ${expiry.invariant}, notified ${expiry.notified.notified}/${expiry.notified.bookings} (other: ${expiry.notified.other}), 201s not held ${hold.notHeld}, 5xx/errors ${fivexx(hold.statuses) + fivexx(confirm.statuses)} |`,
      `| burst (1 event, ${SEATS} seats, ${BURST} clients at once, 2 replicas, defaults) | ${f(burst.bookingsPerSec)} bookings/s, p50 ${f(burst.p50)} ms, p99 ${f(burst.p99)} ms; ${JSON.stringify(burst.statuses)} |`,
      `| burst integrity | sold ${burstCheck.sold}/${burstCheck.seats}, oversold ${burstCheck.oversold}, balanced ${burstCheck.balanced}, notified ${burstCheck.notified}/${burstCheck.bookings} (twice: ${burstCheck.notifiedTwice}), 5xx/errors ${fivexx(burst.statuses)} |`,
      `| raw loop (one transaction per booking via mysql2, ${CONC} clients) | ${f(raw.bookingsPerSec)} bookings/s, p50 ${f(raw.p50)} ms, p99 ${f(raw.p99)} ms |`,
      `| raw grouped (${RAW_GROUP} seats per transaction, 2 workers) | ${f(rawGrouped.bookingsPerSec)} bookings/s (ratio to raw loop ${f(results.rawGroupedRatio, 2)}) |`,
      `| rush ratio service / raw loop | C=${CONC}: ${f(results.rushRatio, 2)}; C=${BURST}: ${f(results.burstRatio, 2)} |`,
      `| spread (${EVENTS_SPREAD} events) service | ${f(spread.bookingsPerSec)} bookings/s, p50 ${f(spread.p50)} ms, p99 ${f(spread.p99)} ms, oversold ${spreadCheck.oversold}, notified ${spreadCheck.notified}/${spreadCheck.bookings} (twice: ${spreadCheck.notifiedTwice}) |`,
      `| spread raw | ${f(rawSpread.bookingsPerSec)} bookings/s (ratio ${f(results.spreadRatio, 2)}) |`,
      `| waitlist drain (${drain.booked} booked, ${2 * WAITLIST} waiting, all cancelled at once) | offers ${drain.offered}/${WAITLIST}, first ${WAITLIST} by join order offered and the rest waiting: ${drain.inLineOrder}, offer times out of line order ${drain.offerOrderInversions}, offers held ${drain.offersHeld}, available ${drain.available}, invariant ${drain.invariant}; joins ${f(drain.joins.perSec)}/s ${JSON.stringify(drain.joins.statuses)}; cancels ${JSON.stringify(drain.cancels.statuses)} p99 ${f(drain.cancels.p99)} ms |`,
      `| cancel to offer | k-th offer minus k-th cancel's 200: p50 ${f(drain.cancelToOffer.p50)} ms, p99 ${f(drain.cancelToOffer.p99)} ms (negative: offered before the answer arrived); from sending the cancels (all at once) to each offer: p50 ${f(drain.sentToOffer.p50)} ms, p99 ${f(drain.sentToOffer.p99)} ms, last ${f(drain.lastOfferMs)} ms |`,
      `| waitlist notifications | waitlist.offered once for ${drain.notified.once}/${drain.notified.offers} offers (more than once: ${drain.notified.more}), offer to notification p99 ${f(drain.notified.offerToNotificationP99)} ms |`,
      `| GET /events/:id from cache | ${f(cached.rps)} req/s, p99 ${f(cached.p99)} ms |`,
      `| GET /events/:id cache bypassed (MySQL) | ${f(uncached.rps)} req/s, p99 ${f(uncached.p99)} ms |`,
      `| GET /health | ${f(health.rps)} req/s, p99 ${f(health.p99)} ms |`,
      `| cached / health | ${f(results.reads.cachedOverHealth, 2)} |`,
      `| CPU, rush until all notified | ${describeCpu(rushCpu, rushNotified.bookings)} |`,
      `| CPU, hold rush | ${describeCpu(holdCpu, hold.holds.length)} |`,
      `| CPU, confirms (until the last answer) | ${describeCpu(confirmCpu, Math.max(1, confirm.confirms))} |`,
      `| CPU, raw loop | ${describeCpu(rawCpu, SEATS)} |`,
      `| CPU, spread until all notified | ${describeCpu(spreadCpu, spreadCheck.bookings)} |`,
      `| CPU, spread raw | ${describeCpu(rawSpreadCpu, EVENTS_SPREAD * Math.max(1, Math.floor(SEATS / EVENTS_SPREAD)))} |`,
    ].join('\n');
    console.log(`\n${table}\n`);
    const dir = path.resolve(__dirname, '..', '..', '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${SMOKE ? 'smoke-' : ''}${results.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`figures written to ${path.relative(process.cwd(), file)}`);
    const checks = [rushCheck, burstCheck, spreadCheck];
    const holdsBroken =
      hold.notHeld > 0 ||
      fivexx(hold.statuses) + fivexx(confirm.statuses) > 0 ||
      !expiry.allAccounted ||
      !expiry.invariant ||
      expiry.release.n !== expiry.expired ||
      expiry.notified.notified < expiry.notified.bookings ||
      expiry.notified.other > 0;
    const drainBroken =
      drain.booked !== WAITLIST ||
      (drain.joins.statuses['201'] ?? 0) !== 2 * WAITLIST ||
      (drain.cancels.statuses['200'] ?? 0) !== WAITLIST ||
      drain.offered !== WAITLIST ||
      !drain.inLineOrder ||
      drain.offersHeld !== drain.offered ||
      drain.available !== 0 ||
      !drain.invariant ||
      drain.notified.once !== drain.offered ||
      drain.notified.more > 0;
    const broken =
      holdsBroken ||
      drainBroken ||
      checks.some((c) => c.oversold > 0 || !c.balanced || c.notified < c.bookings || c.notifiedTwice > 0) ||
      fivexx(rush.statuses) > 0 ||
      fivexx(burst.statuses) > 0 ||
      fivexx(spread.statuses) > 0 ||
      (extra['409'] ?? 0) !== 200;
    if (broken) {
      console.error(
        'bench: a correctness check failed (oversold, unbalanced, 5xx, not notified once, a 201 after sold out, a seat of a hold unaccounted for, or an offer out of line)',
      );
      process.exitCode = 1;
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
