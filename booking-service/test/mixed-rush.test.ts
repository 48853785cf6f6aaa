import { createPool } from '@ebs/service-kit/db';
import { adminAuth, customerAuth, type ServiceProcess, startServiceProcess } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { insertEvent, insertUser } from './support/fixtures';
import {
  book,
  bookingsOfEvent,
  brokenInvariant,
  cancel,
  confirm,
  entriesOf,
  getEntry,
  hold,
  type Json,
  join,
  leave,
  outboxOfBookings,
  type Reply,
  seatLedger,
  until,
} from './support/holds';
import { testConfig } from './support/test-app';

// A mixed rush over two replicas (service processes, both sweepers running, holds and offers lasting 1 s):
// bookings, holds, confirms, cancels, waitlist joins and leaves, holds and offers expiring, while a sampler runs
// the spec's invariant query every few ms. "At every instant, for every event: totalSeats = availableSeats +
// seats held + seats confirmed" is never broken, and when the rush is over no seat is lost.

const pool = createPool(testConfig().db);
afterAll(async () => {
  await pool.end();
});

/** A small seeded generator (mulberry32): the same rush on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Sample = { at: number; what: string; ids: string[] };

/** Runs the checks over and over (a few ms apart) until stopped; returns how many rounds ran and what broke. */
function startSampler(eventIds: string[]) {
  const violations: Sample[] = [];
  let rounds = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const broken = await brokenInvariant(pool, eventIds);
      if (broken.length > 0)
        violations.push({ at: Date.now(), what: 'total <> available + held + confirmed', ids: broken });
      const [bounds] = await pool.query<RowDataPacket[]>(
        'SELECT id FROM events WHERE id IN (?) AND (available_seats < 0 OR available_seats > total_seats)',
        [eventIds],
      );
      if (bounds.length > 0)
        violations.push({ at: Date.now(), what: 'available out of 0..total', ids: bounds.map((r) => String(r.id)) });
      // An entry is offered exactly while its hold is held (one transaction changes both).
      const [offers] = await pool.query<RowDataPacket[]>(
        `SELECT w.id FROM waitlist_entries w JOIN bookings b ON b.id = w.booking_id
          WHERE w.event_id IN (?) AND ((w.status = 'offered') <> (b.status = 'held'))`,
        [eventIds],
      );
      if (offers.length > 0)
        violations.push({
          at: Date.now(),
          what: 'offered entry vs held booking',
          ids: offers.map((r) => String(r.id)),
        });
      rounds++;
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  return {
    violations,
    rounds: () => rounds,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const ALLOWED: Record<string, string[]> = {
  book: ['201', '409 SOLD_OUT'],
  hold: ['201', '409 SOLD_OUT'],
  confirm: ['200', '409 HOLD_EXPIRED', '409 CONFLICT'],
  cancel: ['200', '409 HOLD_EXPIRED'],
  join: ['201', '409 SEATS_AVAILABLE', '409 CONFLICT'],
  leave: ['200', '409 CONFLICT', '409 HOLD_EXPIRED'],
  read: ['200'],
};

describe('a mixed rush over two replicas', () => {
  test('when bookings, holds, confirms, cancels, waitlist joins and leaves race over two replicas with holds and offers expiring, then the invariant holds at every sample and at the end no seat is lost and every booking has one message per state change', async () => {
    const env = { HOLD_TTL_SECONDS: '1', OFFER_TTL_SECONDS: '1', HOLD_SWEEP_MS: '100', LOG_LEVEL: 'warn' };
    const replicas: ServiceProcess[] = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
    const urls = replicas.map((r) => r.url);
    const capacities = [40, 30, 20];
    const eventIds = await Promise.all(capacities.map((n) => insertEvent(pool, n)));
    const users = await Promise.all(Array.from({ length: 40 }, () => insertUser(pool)));
    const unexpected: Array<{ action: string; got: string }> = [];
    const counts: Record<string, number> = {};
    const sampler = startSampler(eventIds);
    try {
      const check = (action: string, r: Reply): Reply => {
        const got = r.status < 300 ? String(r.status) : `${r.status} ${r.body.error?.code}`;
        counts[`${action} ${got}`] = (counts[`${action} ${got}`] ?? 0) + 1;
        if (!ALLOWED[action]?.includes(got)) unexpected.push({ action, got });
        return r;
      };

      await Promise.all(
        users.map(async (userId, u) => {
          const rnd = random(1000 + u);
          const auth = customerAuth(userId);
          const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
          const confirmed: string[] = [];
          const entries: string[] = [];
          for (let step = 0; step < 16; step++) {
            const url = urls[(u + step) % 2] as string;
            const eventId = pick(eventIds);
            const quantity = 1 + Math.floor(rnd() * 3);
            const x = rnd();
            if (x < 0.25) {
              const r = check('book', await book(url, userId, eventId, quantity));
              if (r.status === 201) confirmed.push(String(r.body.id));
            } else if (x < 0.55) {
              const r = check('hold', await hold(url, userId, eventId, quantity));
              if (r.status !== 201) continue;
              const then = rnd();
              const other = urls[(u + step + 1) % 2] as string;
              if (then < 0.4) {
                const c = check('confirm', await confirm(other, String(r.body.id), auth));
                if (c.status === 200) confirmed.push(String(r.body.id));
              } else if (then < 0.6) {
                check('cancel', await cancel(other, String(r.body.id), auth));
              } // else: left to expire
            } else if (x < 0.7) {
              const id = confirmed.shift();
              if (id) check('cancel', await cancel(url, id, auth));
            } else if (x < 0.9) {
              const r = check('join', await join(url, userId, eventId, quantity));
              if (r.status === 201) entries.push(String(r.body.id));
            } else {
              const id = pick(entries);
              if (!id) continue;
              const e = check('read', await getEntry(url, id, auth));
              if (e.body.status === 'offered') {
                if (rnd() < 0.6) {
                  const c = check('confirm', await confirm(url, String(e.body.bookingId), auth));
                  if (c.status === 200) confirmed.push(String(e.body.bookingId));
                } else check('leave', await leave(url, id, auth));
              } else if (e.body.status === 'waiting' && rnd() < 0.5) {
                check('leave', await leave(url, id, auth));
              }
            }
          }
        }),
      );

      // The rush is over: everyone still in a line leaves (an offer left frees its hold, which may go to the next
      // one: leave until nobody is waiting or offered), then the plain holds expire.
      const active = async () =>
        (await Promise.all(eventIds.map((e) => entriesOf(pool, e))))
          .flat()
          .filter((e) => e.status === 'waiting' || e.status === 'offered');
      expect(
        await until(async () => {
          const left = await active();
          for (const e of left) check('leave', await leave(urls[0] as string, e.id, adminAuth()));
          return (await active()).length === 0;
        }, 15_000),
      ).toBe(true);
      expect(
        await until(async () => {
          const all = (await Promise.all(eventIds.map((e) => bookingsOfEvent(pool, e)))).flat();
          return all.every((b) => b.status !== 'held');
        }, 15_000),
      ).toBe(true);
    } finally {
      await sampler.stop();
      for (const r of replicas) r.proc.kill('SIGTERM');
      await Promise.all(replicas.map((r) => r.exited));
    }

    expect(unexpected).toEqual([]);
    // The rush did what it says: each kind of change happened.
    const kinds = ['book 201', 'hold 201', 'confirm 200', 'cancel 200', 'join 201', 'leave 200', 'hold 409 SOLD_OUT'];
    expect(kinds.filter((what) => !((counts[what] ?? 0) > 0))).toEqual([]);
    expect(sampler.rounds()).toBeGreaterThan(50);
    expect(sampler.violations).toEqual([]);

    // No seat lost: nothing held, every event's available seats are its total less what is confirmed.
    for (const [i, eventId] of eventIds.entries()) {
      const ledger = await seatLedger(pool, eventId);
      expect(ledger).toEqual({
        total: capacities[i],
        available: (capacities[i] as number) - ledger.confirmed,
        held: 0,
        confirmed: ledger.confirmed,
      });
    }
    expect(await brokenInvariant(pool, eventIds)).toEqual([]);

    // One message per state change: per booking, its outbox kinds match how it ended.
    const bookings = (await Promise.all(eventIds.map((e) => bookingsOfEvent(pool, e)))).flat();
    const outbox = await outboxOfBookings(
      pool,
      bookings.map((b) => b.id),
    );
    const kindsOf = new Map<string, string[]>();
    for (const m of outbox) {
      const [id, kind] = [m.msgId.slice(0, 36), m.msgId.slice(37)];
      kindsOf.set(id, [...(kindsOf.get(id) ?? []), kind]);
    }
    const wrong: Json[] = [];
    for (const b of bookings) {
      const kinds = kindsOf.get(b.id) ?? [];
      const n = (k: string) => kinds.filter((x) => x === k).length;
      const ok =
        n('offered') <= 1 &&
        (b.status === 'confirmed'
          ? n('confirmed') === 1 && n('cancelled') === 0 && n('expired') === 0
          : b.status === 'cancelled'
            ? n('cancelled') === 1 && n('expired') === 0 && n('confirmed') <= 1
            : b.status === 'expired'
              ? n('expired') === 1 && n('confirmed') === 0 && n('cancelled') === 0
              : false);
      if (!ok) wrong.push({ id: b.id, status: b.status, kinds });
    }
    expect(wrong).toEqual([]);

    // Every entry ended, and an entry's end agrees with its offer's hold.
    const entries = (await Promise.all(eventIds.map((e) => entriesOf(pool, e)))).flat();
    const statusOf = new Map(bookings.map((b) => [b.id, b.status]));
    const mismatched = entries.filter(
      (e) =>
        (e.status === 'confirmed' && !['confirmed', 'cancelled'].includes(String(statusOf.get(String(e.bookingId))))) ||
        (e.status === 'expired' && statusOf.get(String(e.bookingId)) !== 'expired') ||
        e.status === 'waiting' ||
        e.status === 'offered',
    );
    expect(mismatched).toEqual([]);
    // The line was used: some offers were made.
    expect(entries.some((e) => e.bookingId !== null)).toBe(true);
  }, 60_000);
});
