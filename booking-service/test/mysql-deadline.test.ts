import http from 'node:http';
import { createPool } from '@ebs/service-kit/db';
import type { FaultProxy } from '@ebs/test-support';
import type { Pool } from 'mysql2/promise';
import { happened, proxyToMysql } from './support/faults';
import { availableSeats, bookingsOf, insertEvent, insertUser } from './support/fixtures';
import { book, getBooking, type Reply, until } from './support/holds';
import { createTestApp, type TestApp, testConfig } from './support/test-app';

// Nothing on the booking path waits on MySQL without a bound (docs/api.md "Ticket rush", /ready): a connection
// that goes silent (no FIN, no RST) is given up after MYSQL_TRANSACTION_TIMEOUT_MS, its server session is killed
// or ends by its idle bound (so the event row lock it held is released), the requests are answered, and /ready
// says 503 while MySQL cannot be reached. The service talks to MySQL through a fault proxy (test-support).

const TIMEOUT_MS = 2_500;
/** The answer's bound: the deadline, plus killing the session or asking for an unknown outcome, plus slack. */
const ANSWERED_WITHIN_MS = TIMEOUT_MS + 3_500;

let proxy: FaultProxy;
let t: TestApp;
let url: string;
/** A second replica, straight to MySQL: its bookings show whether the event row lock was released. */
let other: TestApp;
let otherUrl: string;
let direct: Pool;

beforeAll(async () => {
  proxy = await proxyToMysql();
  const bounds = { LOCK_WAIT_TIMEOUT_SECONDS: '1', MYSQL_TRANSACTION_TIMEOUT_MS: String(TIMEOUT_MS) };
  t = createTestApp({ ...bounds, MYSQL_HOST: proxy.host, MYSQL_PORT: String(proxy.port) });
  url = await t.listen();
  other = createTestApp(bounds);
  otherUrl = await other.listen();
  direct = createPool(testConfig().db);
});
afterEach(() => proxy.heal());
afterAll(async () => {
  await t.close();
  await other.close();
  await direct.end();
  await proxy.close();
});

function ready(base: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${base}/ready`, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Each answer is a 503 with Retry-After (nothing committed) or a 201 (committed); the 201s are the event's rows. */
async function expectTruthfulAnswers(replies: Reply[], eventId: string, seats: number) {
  for (const r of replies) {
    expect([201, 503]).toContain(r.status);
    if (r.status === 503) {
      expect(r.body.error?.code).toBe('UNAVAILABLE');
      expect(r.headers['retry-after']).toBe('1');
    }
  }
  const booked = replies.filter((r) => r.status === 201).map((r) => String(r.body.id));
  const rows = await bookingsOf(direct, eventId);
  expect(rows.map((r) => r.id).sort()).toEqual(booked.sort());
  expect(await availableSeats(direct, eventId)).toBe(seats - booked.length);
}

describe('a MySQL connection that goes silent mid-group', () => {
  test('when it holds the event row lock, then its requests are answered within the deadline and the lock is released at once', async () => {
    const eventId = await insertEvent(direct, 20);
    const users = await Promise.all(Array.from({ length: 5 }, () => insertUser(direct)));
    // The group has its turn (its requests wait for no timer now) and the event row locked: its INSERT is done by
    // MySQL, and then nothing more comes back.
    const fault = proxy.swallowNextReplyAfter(/^INSERT INTO bookings/, { after: 'silent' });
    const started = Date.now();
    const replies = await Promise.all(users.map((u) => book(url, u, eventId, 1)));
    const answeredAfter = Date.now() - started;
    expect(await happened(fault)).toMatch(/^INSERT INTO bookings/);
    expect(answeredAfter).toBeLessThan(ANSWERED_WITHIN_MS);
    // The group that was stuck got 503; requests that waited behind it may have been served after it.
    expect(replies.some((r) => r.status === 503)).toBe(true);
    await expectTruthfulAnswers(replies, eventId, 20);
    // Its session was killed from another connection: another replica books that event right away.
    const before = await availableSeats(direct, eventId);
    const next = await book(otherUrl, await insertUser(direct), eventId, 1);
    expect(next.status).toBe(201);
    expect(await availableSeats(direct, eventId)).toBe(before - 1);
  });

  test('when MySQL cannot be reached at all, then the requests are answered within the deadline, MySQL ends the session by its idle bound and /ready says 503 until it heals', async () => {
    const eventId = await insertEvent(direct, 20);
    const users = await Promise.all(Array.from({ length: 5 }, () => insertUser(direct)));
    const fault = proxy.swallowNextReplyAfter(/FROM events WHERE id IN .* FOR UPDATE/s, { after: 'silent' });
    const started = Date.now();
    const pending = Promise.all(users.map((u) => book(url, u, eventId, 1)));
    expect(await happened(fault)).toMatch(/FOR UPDATE/);
    proxy.goSilent(); // every connection, open or new: nothing can reach MySQL (no kill, no outcome check)
    const replies = await pending;
    expect(Date.now() - started).toBeLessThan(ANSWERED_WITHIN_MS + TIMEOUT_MS);
    for (const r of replies) expect(r.status).toBe(503);
    expect(replies[0]?.headers['retry-after']).toBe('1');
    // A plain read is bounded too.
    const readStarted = Date.now();
    const read = await getBooking(url, '00000000-0000-4000-8000-000000000000');
    expect(read.status).toBe(503);
    expect(Date.now() - readStarted).toBeLessThan(ANSWERED_WITHIN_MS);
    // Nobody could kill the session; MySQL ends it by the idle bound its transaction set (the deadline, rounded
    // up to seconds), and the event row lock with it: another replica, straight to MySQL, books the event.
    const booked = await until(
      async () => (await book(otherUrl, users[0] as string, eventId, 1)).status === 201,
      TIMEOUT_MS + 5_000,
      100,
    );
    expect(booked).toBe(true);
    expect(await availableSeats(direct, eventId)).toBe(19);
    // /ready tells the truth: 503 while MySQL cannot be reached through the proxy, 200 once it heals.
    expect(await until(async () => (await ready(url)) === 503, 5_000, 100)).toBe(true);
    proxy.heal();
    expect(await until(async () => (await ready(url)) === 200, 5_000, 100)).toBe(true);
    const after = await book(url, users[1] as string, eventId, 1);
    expect(after.status).toBe(201);
  });
});

describe('/ready', () => {
  test('when MySQL goes silent, then /ready answers 503 within a few seconds, and 200 again after it heals', async () => {
    expect(await ready(url)).toBe(200);
    proxy.goSilent();
    const started = Date.now();
    expect(await until(async () => (await ready(url)) === 503, 5_000, 100)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    proxy.heal();
    expect(await until(async () => (await ready(url)) === 200, 5_000, 100)).toBe(true);
  });
});
