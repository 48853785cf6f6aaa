import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '@ebs/service-kit/observability';
import { expectUnauthenticated, oneAppPerFile, sampleValue, scrapeMetrics } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { createLoginFailuresRepo } from '../src/data/login-failures.repo';
import { createLoginThrottlePurger, LOGIN_LIMITS } from '../src/domain/login-throttle';
import { createTestApp, type TestApp } from './support/test-app';

// The login throttle (docs/api.md, Access): failures per email and client address, per email over all
// addresses, per address over all emails, in MySQL (shared by replicas), purged on a schedule. The app trusts
// X-Forwarded-For from loopback (TRUST_PROXY=loopback), so each test speaks from addresses of its own; rows a
// test needs in bulk it inserts directly (argon2 per failure would make the file slow).
const TRUSTING = { TRUST_PROXY: 'loopback' };
const t = oneAppPerFile(() => createTestApp(TRUSTING));

const PASSWORD = 'a long enough secret';
const uniqueEmail = (tag = 'throttle') => `${tag}-${randomUUID()}@example.com`;
/** A fresh client address in 10.0.0.0/8 (three random bytes: no two tests share one). */
const newAddress = () => `10.${[...randomBytes(3)].join('.')}`;

async function signUp(): Promise<{ id: string; email: string }> {
  return (await request(t.app).post('/users').send({ name: 'Throttled', email: uniqueEmail(), password: PASSWORD }))
    .body;
}

const login = (email: string, password: string, from: string, app = t.app) =>
  request(app).post('/auth/token').set('X-Forwarded-For', from).send({ email, password });

/** Failed attempts written straight into the table, as POST /auth/token records them. */
async function insertFailures(rows: { email: string; address: string; at: Date }[]): Promise<void> {
  await t.pool.query('INSERT INTO login_failures (email, client_addr, failed_at) VALUES ?', [
    rows.map((r) => [r.email, r.address, r.at]),
  ]);
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** argon2id verifications so far (password_checks_total on /metrics). */
const passwordChecks = async () => sampleValue(await scrapeMetrics(t.app), 'password_checks_total');

function expectRateLimited(res: request.Response, message: RegExp, retryAfter: [number, number]): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(message) } });
  const seconds = Number(res.headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(retryAfter[0]);
  expect(seconds).toBeLessThanOrEqual(retryAfter[1]);
}

describe('login throttle per email and client address', () => {
  test('when a stranger failed 10 times for an email from one address, then the owner still logs in from another, and the stranger gets 429 with Retry-After', async () => {
    const owner = await signUp();
    const stranger = newAddress();
    for (let i = 0; i < 10; i++) expectUnauthenticated(await login(owner.email, `guess ${i}`, stranger));

    await login(owner.email, PASSWORD, newAddress()).expect(200);
    // The stranger's address is refused for this email, also with the right password, until the window passes.
    const checks = await passwordChecks();
    expectRateLimited(await login(owner.email, PASSWORD, stranger), /this email from this address/, [800, 900]);
    expect(await passwordChecks()).toBe(checks);
    // The stranger's address is not barred from other emails (that is the per-address bound's job, at 50).
    expectUnauthenticated(await login(uniqueEmail(), 'guess', stranger));
  });

  test('when 50 logins failed from one address for any emails, then its next is 429 before hashing, even with a right password, and other addresses are not affected', async () => {
    const address = newAddress();
    await insertFailures(
      Array.from({ length: 49 }, () => ({ email: uniqueEmail('spray'), address, at: minutesAgo(1) })),
    );
    expectUnauthenticated(await login(uniqueEmail('spray'), 'guess', address)); // the 50th

    const user = await signUp();
    const checks = await passwordChecks();
    expectRateLimited(await login(user.email, PASSWORD, address), /from this address/, [830, 841]);
    expectRateLimited(await login(uniqueEmail('spray'), 'guess', address), /from this address/, [830, 841]);
    expect(await passwordChecks()).toBe(checks);
    await login(user.email, PASSWORD, newAddress()).expect(200);
  });

  test('when an address has reached its bound, then its attempts are refused without waiting for its gate lock (a flood never queues on it)', async () => {
    const address = newAddress();
    await insertFailures(
      Array.from({ length: 50 }, () => ({ email: uniqueEmail('flood'), address, at: minutesAgo(1) })),
    );
    await t.pool.query('INSERT INTO login_address_gates (client_addr) VALUES (?)', [address]);
    const holder = await t.pool.getConnection();
    try {
      await holder.beginTransaction();
      await holder.query('SELECT client_addr FROM login_address_gates WHERE client_addr = ? FOR UPDATE', [address]);
      // Answered while the lock is still held (a wait would last innodb_lock_wait_timeout, 50 s).
      const res = await login(uniqueEmail('flood'), 'guess', address).timeout(5_000);
      expectRateLimited(res, /from this address/, [830, 841]);
    } finally {
      await holder.rollback();
      holder.release();
    }
  });

  test('when 100 logins failed for an email from many addresses, then it is 429 from every address before hashing until they age out', async () => {
    const owner = await signUp();
    // 99 failures 10 minutes ago from 11 addresses (9 each: no address reaches its own 10), then the 100th.
    const addresses = Array.from({ length: 11 }, newAddress);
    await insertFailures(
      Array.from({ length: 99 }, (_, i) => ({
        email: owner.email,
        address: addresses[i % 11] as string,
        at: minutesAgo(10),
      })),
    );
    expectUnauthenticated(await login(owner.email, 'guess', newAddress()));

    const checks = await passwordChecks();
    // Retry-After: the oldest of the 100 ages out in about 5 minutes.
    expectRateLimited(await login(owner.email, PASSWORD, newAddress()), /for this email;/, [290, 301]);
    expect(await passwordChecks()).toBe(checks);
    await t.pool.query('UPDATE login_failures SET failed_at = failed_at - INTERVAL 6 MINUTE WHERE email = ?', [
      owner.email,
    ]);
    await login(owner.email, PASSWORD, newAddress()).expect(200);
  });

  describe('over two replicas', () => {
    let replicaB: TestApp;
    beforeAll(() => {
      replicaB = createTestApp(TRUSTING);
    });
    afterAll(async () => {
      await replicaB.close();
    });
    const either = (i: number) => (i % 2 === 0 ? t.app : replicaB.app);

    test('when 20 wrong logins for 20 emails race from an address with 40 failures over two replicas, then exactly 10 are judged (401) and 10 are 429', async () => {
      const address = newAddress();
      await insertFailures(
        Array.from({ length: 40 }, () => ({ email: uniqueEmail('spray'), address, at: minutesAgo(1) })),
      );
      // The address's gate exists already, so all 20 meet at its lock at once.
      await t.pool.query('INSERT INTO login_address_gates (client_addr) VALUES (?)', [address]);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => login(uniqueEmail('spray'), 'guess', address, either(i))),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(10).fill(401), ...Array(10).fill(429)]);
      const [rows] = await t.pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM login_failures WHERE client_addr = ?',
        [address],
      );
      expect(Number(rows[0]?.n)).toBe(50);
    });

    test('when 40 attempts for 40 emails from an address with 40 failures race in both replicas at the repository (no HTTP to spread them), then exactly 10 are recorded', async () => {
      const address = newAddress();
      await insertFailures(
        Array.from({ length: 40 }, () => ({ email: uniqueEmail('spray'), address, at: minutesAgo(1) })),
      );
      await t.pool.query('INSERT INTO login_address_gates (client_addr) VALUES (?)', [address]);
      const repos = [createLoginFailuresRepo(t.pool), createLoginFailuresRepo(replicaB.pool)];
      const now = new Date();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          repos[i % 2]?.record(uniqueEmail('spray'), address, now, minutesAgo(15), LOGIN_LIMITS),
        ),
      );
      expect(outcomes.filter((o) => o?.recorded)).toHaveLength(10);
      expect(outcomes.filter((o) => o?.recorded === false && o.bound === 'address')).toHaveLength(30);
    });

    test('when 10 wrong logins race from 10 new addresses for an email with 95 failures over two replicas, then exactly 5 are judged (401) and 5 are 429', async () => {
      const owner = await signUp();
      const old = Array.from({ length: 19 }, newAddress);
      await insertFailures(
        Array.from({ length: 95 }, (_, i) => ({
          email: owner.email,
          address: old[i % 19] as string,
          at: minutesAgo(1),
        })),
      );
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => login(owner.email, 'guess', newAddress(), either(i))),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(5).fill(401), ...Array(5).fill(429)]);
    });
  });
});

describe('login throttle purge', () => {
  test('when the purge runs once, then attempts older than 15 minutes and gate rows no attempt refers to are gone (in batches), recent ones stay, and logins go on', async () => {
    const oldAddress = newAddress();
    const oldEmails = Array.from({ length: 5 }, () => uniqueEmail('purged'));
    const recent = { email: uniqueEmail('kept'), address: newAddress() };
    await insertFailures([
      ...oldEmails.map((email, i) => ({ email, address: oldAddress, at: minutesAgo(16 + i) })),
      { ...recent, at: minutesAgo(14) },
    ]);
    await t.pool.query('INSERT INTO login_gates (email) VALUES ?', [[...oldEmails, recent.email].map((e) => [e])]);
    await t.pool.query('INSERT INTO login_address_gates (client_addr) VALUES ?', [[[oldAddress], [recent.address]]]);

    const purger = createLoginThrottlePurger({
      loginFailures: createLoginFailuresRepo(t.pool),
      logger: createLogger('test', 'silent'),
      batchSize: 2,
    });
    const purged = await purger.purgeOnce();
    expect(purged.failures).toBeGreaterThanOrEqual(5);
    expect(purged.emailGates).toBeGreaterThanOrEqual(5);
    expect(purged.addressGates).toBeGreaterThanOrEqual(1);

    const count = async (sql: string, params: unknown[]) =>
      Number((await t.pool.query<RowDataPacket[]>(sql, params))[0][0]?.n);
    const all = [...oldEmails, recent.email];
    expect(await count('SELECT COUNT(*) AS n FROM login_failures WHERE email IN (?)', [oldEmails])).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM login_failures WHERE email = ?', [recent.email])).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM login_gates WHERE email IN (?)', [all])).toBe(1);
    expect(
      await count('SELECT COUNT(*) AS n FROM login_address_gates WHERE client_addr IN (?)', [
        [oldAddress, recent.address],
      ]),
    ).toBe(1);

    // A purged email and address start again: their gates are made anew.
    expectUnauthenticated(await login(oldEmails[0] as string, 'guess', oldAddress));
    expect(await count('SELECT COUNT(*) AS n FROM login_gates WHERE email = ?', [oldEmails[0]])).toBe(1);
  });

  test('when started, then passes run on the schedule until stopped', async () => {
    const email = uniqueEmail('scheduled');
    await insertFailures([{ email, address: newAddress(), at: minutesAgo(20) }]);
    const purger = createLoginThrottlePurger({
      loginFailures: createLoginFailuresRepo(t.pool),
      logger: createLogger('test', 'silent'),
      everyMs: 20,
    });
    const left = async () =>
      Number(
        (await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM login_failures WHERE email = ?', [email]))[0][0]
          ?.n,
      );
    purger.start();
    try {
      // Waits for the schedule, not for a guessed time: the row is looked for until it is gone (bounded).
      const deadline = Date.now() + 5_000;
      while ((await left()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await left()).toBe(0);
    } finally {
      await purger.stop();
    }
  });
});

describe('client address', () => {
  test('when TRUST_PROXY is off (the default), then X-Forwarded-For is ignored: a failure counts under the socket address', async () => {
    const plain = createTestApp({ TRUST_PROXY: '' });
    try {
      const email = uniqueEmail('spoof');
      expectUnauthenticated(await login(email, 'guess', '203.0.113.7', plain.app));
      const [rows] = await t.pool.query<RowDataPacket[]>('SELECT client_addr FROM login_failures WHERE email = ?', [
        email,
      ]);
      expect(rows.map((r) => r.client_addr)).toEqual(['127.0.0.1']);
      // Leave the shared 127.0.0.1 count as it was: every suite's failures land there.
      await t.pool.query('DELETE FROM login_failures WHERE email = ?', [email]);
    } finally {
      await plain.close();
    }
  });

  test('when a trusted proxy forwards, then its X-Forwarded-For entry counts, an IPv6 client as its /64, and with TRUST_PROXY=1 only the last hop', async () => {
    const oneHop = createTestApp({ TRUST_PROXY: '1' });
    try {
      const [a, b, c] = [uniqueEmail('fwd'), uniqueEmail('fwd'), uniqueEmail('fwd')];
      const [g3, g4] = [randomBytes(2).readUInt16BE(), randomBytes(2).readUInt16BE()];
      const prefix = `2001:db8:${g3.toString(16).padStart(4, '0')}:${g4.toString(16).padStart(4, '0')}`;
      expectUnauthenticated(await login(a, 'guess', '198.51.100.23'));
      expectUnauthenticated(await login(b, 'guess', `${prefix}:0:0:0:1`));
      // A client's own X-Forwarded-For entry (left) is not believed, only what the one proxy appended.
      expectUnauthenticated(await login(c, 'guess', '192.0.2.1, 198.51.100.99', oneHop.app));
      const [rows] = await t.pool.query<RowDataPacket[]>(
        'SELECT email, client_addr FROM login_failures WHERE email IN (?, ?, ?)',
        [a, b, c],
      );
      const byEmail = Object.fromEntries(rows.map((r) => [r.email, r.client_addr]));
      expect(byEmail).toEqual({
        [a]: '198.51.100.23',
        [b]: `2001:db8:${g3.toString(16)}:${g4.toString(16)}::/64`,
        [c]: '198.51.100.99',
      });
    } finally {
      await oneHop.close();
    }
  });
});
