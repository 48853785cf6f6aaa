import { randomUUID } from 'node:crypto';
import { createPool } from '@ebs/service-kit/db';
import { type ServiceProcess, startServiceProcess } from '@ebs/service-kit/testing';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { insertEvent, insertUser } from './support/fixtures';
import {
  book,
  bookingRows,
  brokenInvariant,
  hold,
  lockEventRow,
  mysqlNow,
  natsPerFile,
  outboxOfBookings,
  type Reply,
  StreamTail,
  seatLedger,
  until,
} from './support/holds';
import { testConfig } from './support/test-app';

// "Its seats come back exactly once, within 5 s of expiresAt, whatever the number of replicas and whichever of
// them dies": a replica is SIGKILLed while its sweeper releases many holds at once, and the other finishes.

const nats = natsPerFile();
const pool = createPool(testConfig().db);
afterAll(async () => {
  await pool.end();
});

/** Short holds, sweepers every 100 ms; a dead relay's leased outbox rows are free again after 5 s. */
const ENV = {
  HOLD_TTL_SECONDS: '2',
  HOLD_SWEEP_MS: '100',
  OUTBOX_LEASE_MS: '5000',
  OUTBOX_POLL_MS: '200',
  LOG_LEVEL: 'warn',
};
const TOTAL = 110;
const BOOKED = 10;

/** Three events of TOTAL seats, ids in ascending order, each with BOOKED seats booked (confirmed, 1 each). */
async function threeEvents(url: string, users: string[]): Promise<string[]> {
  const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
  for (const id of ids) await insertEvent(pool, TOTAL, id);
  const made = await Promise.all(
    ids.flatMap((eventId) => users.slice(0, BOOKED).map((userId) => book(url, userId, eventId, 1))),
  );
  expect(made.filter((r) => r.status !== 201)).toEqual([]);
  return ids;
}

async function statusCounts(ids: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const b of (await bookingRows(pool, ids)).values()) counts[b.status] = (counts[b.status] ?? 0) + 1;
  return counts;
}

/** Every hold released exactly once: expired in MySQL, the events back to what is booked, one bookings.expired each. */
async function expectEachReleasedOnce(tail: StreamTail, eventIds: string[], holds: Reply[]): Promise<void> {
  const ids = holds.map((h) => String(h.body.id));
  expect(await statusCounts(ids)).toEqual({ expired: holds.length });
  for (const eventId of eventIds) {
    expect(await seatLedger(pool, eventId)).toEqual({
      total: TOTAL,
      available: TOTAL - BOOKED,
      held: 0,
      confirmed: BOOKED,
    });
  }
  expect(await brokenInvariant(pool, eventIds)).toEqual([]);
  const outbox = await outboxOfBookings(pool, ids);
  expect(outbox.map((m) => m.msgId).sort()).toEqual(ids.map((id) => `${id}.expired`).sort());
  // JetStream: one bookings.expired per hold (a dead replica's unpublished rows are published by the other).
  expect(await tail.until((t) => t.of(ids).length >= ids.length, 25_000)).toBe(true);
  const inStream = tail.of(ids);
  expect(inStream.every((m) => m.subject === 'bookings.expired' && m.msgId === `${m.data.bookingId}.expired`)).toBe(
    true,
  );
  expect(inStream.map((m) => m.msgId).sort()).toEqual(ids.map((id) => `${id}.expired`).sort());
  const expiresAtOf = new Map(holds.map((h) => [String(h.body.id), h.body.expiresAt]));
  expect(inStream.filter((m) => m.data.expiresAt !== expiresAtOf.get(String(m.data.bookingId)))).toEqual([]);
}

function holdsOn(url: string | string[], users: string[], eventIds: string[], count: number): Promise<Reply[]> {
  const urls = Array.isArray(url) ? url : [url];
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      hold(
        urls[i % urls.length] as string,
        users[i % users.length] as string,
        eventIds[i % eventIds.length] as string,
        1,
      ),
    ),
  );
}

describe('a replica killed while its sweeper releases holds', () => {
  test.each([
    ['waiting for the last event row (the test holds its lock)', 'lock'],
    [
      "with the last event's holds expired and their seats given back, uncommitted (a trigger stalls one of its outbox inserts)",
      'trigger',
    ],
  ] as const)(
    'when replica A is SIGKILLed with its sweeper in the middle of releasing 300 holds, its transaction %s, then replica B releases every hold exactly once: all expired, each event back to what is booked, one bookings.expired per hold',
    async (_how, blocker) => {
      const users = await Promise.all(Array.from({ length: 30 }, () => insertUser(pool)));
      const A = await startServiceProcess(ENV);
      let B: ServiceProcess | undefined;
      let holder: PoolConnection | undefined;
      const trigger = `stall_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      try {
        const eventIds = await threeEvents(A.url, users);
        const tail = await StreamTail.open(nats.nc);
        // The first two events' holds, then the last event's: the event with the highest id and the latest holds
        // is the one where A's sweeper is stopped, so in whatever order it goes (by expiry, by event id) it has work
        // done or under way when it gets there.
        const early = await holdsOn(A.url, users, eventIds.slice(0, 2), 200);
        const late = await holdsOn(A.url, users, eventIds.slice(2), 100);
        const holds = [...early, ...late];
        expect(holds.filter((h) => h.status !== 201)).toEqual([]);
        const ids = holds.map((h) => String(h.body.id));
        if (blocker === 'lock') holder = await lockEventRow(pool, eventIds[2] as string);
        else {
          // A real stall inside MySQL: the insert of one of the last event's bookings.expired rows sleeps 3 s, after
          // the transaction expired that event's holds and gave their seats back.
          const stalled = `${late[0]?.body.id}.expired`;
          await pool.query(
            `CREATE TRIGGER ${trigger} BEFORE INSERT ON outbox FOR EACH ROW BEGIN
             IF NEW.msg_id = '${stalled}' THEN SET @stalled = SLEEP(3); END IF;
           END`,
          );
        }
        // A statement of this worker's database (only A and this test use it now) running for over 200 ms: with
        // nothing else going on, A's sweeper is stopped there (waiting for the row, or in the stalled insert).
        const stopped = async () => {
          const [rows] = await pool.query<RowDataPacket[]>(
            `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
            WHERE DB = DATABASE() AND COMMAND IN ('Query', 'Execute') AND TIME_MS > 200 AND ID <> CONNECTION_ID()`,
          );
          return Number(rows[0]?.n);
        };
        const earlyIds = early.map((h) => String(h.body.id));

        // A's sweeper is mid-pass once its transaction is stopped, having released the first two events' holds or
        // not; then it dies. (A sweeper that skipped a locked row instead of waiting would never stop: then it dies
        // once it has released all it could and the last holds are 4 s overdue.)
        const lastDue = Math.max(...late.map((h) => Date.parse(String(h.body.expiresAt))));
        const midPass = await until(
          async () =>
            (await stopped()) > 0 ||
            ((await statusCounts(earlyIds)).expired === 200 && (await mysqlNow(pool)) > lastDue + 4_000),
          20_000,
          20,
        );
        expect(midPass).toBe(true);
        A.proc.kill('SIGKILL');
        expect((await A.exited).signal).toBe('SIGKILL');
        // The last event's 100 holds are not released (committed): A died with work left.
        expect((await statusCounts(ids)).held ?? 0).toBeGreaterThanOrEqual(100);

        if (holder) {
          await holder.rollback();
          holder.release();
          holder = undefined;
        }
        // (Waits for A's orphaned transaction to end: MySQL rolls it back once it finds A gone.)
        await pool.query(`DROP TRIGGER IF EXISTS ${trigger}`);
        B = await startServiceProcess(ENV);
        expect(await until(async () => (await statusCounts(ids)).held === undefined, 20_000)).toBe(true);
        await expectEachReleasedOnce(tail, eventIds, holds);
      } finally {
        if (holder) {
          await holder.rollback();
          holder.release();
        }
        await pool.query(`DROP TRIGGER IF EXISTS ${trigger}`);
        if (A.proc.exitCode === null && A.proc.signalCode === null) A.proc.kill('SIGKILL');
        if (B) {
          B.proc.kill('SIGTERM');
          await B.exited;
        }
      }
    },
    60_000,
  );

  test('when two replicas sweep 300 holds expiring at once and A is SIGKILLed as soon as the release begins, then B finishes: every hold released exactly once and within 5 s of its expiresAt', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => insertUser(pool)));
    const [A, B] = await Promise.all([startServiceProcess(ENV), startServiceProcess(ENV)]);
    try {
      const eventIds = await threeEvents(B.url, users);
      const tail = await StreamTail.open(nats.nc);
      const holds = await holdsOn([A.url, B.url], users, eventIds, 300);
      expect(holds.filter((h) => h.status !== 201)).toEqual([]);
      const ids = holds.map((h) => String(h.body.id));

      // Looks every 25 ms (one statement: statuses and MySQL's clock). The first look that sees a hold expired
      // bounds its release from above; the first look that sees any kills A.
      const firstSeen = new Map<string, number>();
      let expiredAtKill: number | undefined;
      const deadline = Date.now() + 25_000;
      for (;;) {
        const [rows] = await pool.query<RowDataPacket[]>(
          'SELECT id, status, UTC_TIMESTAMP(3) AS now FROM bookings WHERE id IN (?)',
          [ids],
        );
        let held = 0;
        for (const r of rows) {
          if (r.status === 'held') held++;
          else if (r.status === 'expired' && !firstSeen.has(String(r.id))) {
            firstSeen.set(String(r.id), (r.now as Date).getTime());
          }
        }
        if (expiredAtKill === undefined && firstSeen.size > 0) {
          A.proc.kill('SIGKILL');
          expiredAtKill = firstSeen.size;
        }
        if (held === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(expiredAtKill).toBeDefined();
      expect((await A.exited).signal).toBe('SIGKILL');

      const late = holds
        .map((h) => ({
          id: String(h.body.id),
          expiresAt: String(h.body.expiresAt),
          seenExpiredAt: firstSeen.get(String(h.body.id)),
        }))
        .filter(
          (x) =>
            x.seenExpiredAt === undefined ||
            x.seenExpiredAt < Date.parse(x.expiresAt) ||
            x.seenExpiredAt - Date.parse(x.expiresAt) > 5_000,
        );
      expect(late).toEqual([]);
      await expectEachReleasedOnce(tail, eventIds, holds);
      expect((await fetch(`${B.url}/ready`)).status).toBe(200);
    } finally {
      if (A.proc.exitCode === null && A.proc.signalCode === null) A.proc.kill('SIGKILL');
      B.proc.kill('SIGTERM');
      await B.exited;
    }
  }, 60_000);
});
