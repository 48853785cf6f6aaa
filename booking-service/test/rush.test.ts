import { randomUUID } from 'node:crypto';
import { adminAuth } from '@ebs/service-kit/testing';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { availableSeats, bookingsOf, insertEvent, insertUser, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// Group commit (docs/api.md "Ticket rush"). To see what one group does, the tests hold the event row lock
// themselves: the first request's group then waits on it, and the requests sent after it queue, in the
// order the test sends them, for the next group.

let a: TestApp;
let url: string;
beforeAll(async () => {
  a = createTestApp();
  url = await a.listen();
});
afterAll(async () => {
  await a.close();
});

type Answer = { status: number; headers: Headers; body: { id?: string; error?: { code: string; message: string } } };

const post = async (base: string, body: unknown): Promise<Answer> => {
  const r = await fetch(`${base}/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminAuth() },
    body: JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Answer['body'] };
};

async function holdEventRow(t: TestApp, eventId: string): Promise<PoolConnection> {
  const holder = await t.pool.getConnection();
  await holder.beginTransaction();
  await holder.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [eventId]);
  return holder;
}

/**
 * Transactions of these apps' pools that wait for a row lock. Only this suite's own sessions are counted: a lock
 * wait elsewhere on the server (another suite, another database) is none of its business.
 */
async function lockWaits(...apps: TestApp[]): Promise<number> {
  const ids = apps.flatMap((t) => t.connectionIds());
  if (ids.length === 0) return 0;
  const [rows] = await (apps[0] as TestApp).pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id IN (?)",
    [ids],
  );
  return Number(rows[0]?.n);
}

/** True once a transaction of these apps waits for a row lock (the first group, blocked on the held event row). */
async function groupIsWaitingOnLock(...apps: TestApp[]): Promise<boolean> {
  return (await lockWaits(...apps)) > 0;
}

/**
 * Sends the first request (its group blocks on the held row), then each of `queued` only after the one
 * before it has joined the event's queue, so their arrival order is exactly the array's.
 */
async function sendInOrder(t: TestApp, base: string, eventId: string, first: unknown, queued: unknown[]) {
  const answers: Array<Promise<Answer>> = [post(base, first)];
  expect(await waitFor(() => groupIsWaitingOnLock(t), 5_000)).toBe(true);
  for (const [i, body] of queued.entries()) {
    answers.push(post(base, body));
    expect(await waitFor(async () => t.rush.waiting(eventId) === i + 1, 5_000)).toBe(true);
  }
  return answers;
}

async function outboxOrder(t: TestApp, bookingIds: string[]): Promise<string[]> {
  const [rows] = await t.pool.query<RowDataPacket[]>('SELECT msg_id FROM outbox WHERE msg_id IN (?) ORDER BY id', [
    bookingIds.map((id) => `${id}.confirmed`),
  ]);
  return rows.map((r) => String(r.msg_id).replace('.confirmed', ''));
}

describe('group commit', () => {
  test('when requests queue behind a locked event, then one group serves them in arrival order (a later smaller one still fits)', async () => {
    const eventId = await insertEvent(a.pool, 6);
    const userId = await insertUser(a.pool);
    const holder = await holdEventRow(a, eventId);
    // Seats 6. In arrival order: 2 (4 left), 2 (2 left), 3 refused (only 2), 1 (1 left), 2 refused, 1 (0 left).
    // Any other order gives other answers (e.g. last-in-first-out: 201, 409, 201, 201, 409, 201 differs).
    const quantities = [2, 2, 3, 1, 2, 1];
    let answers: Array<Promise<Answer>>;
    try {
      const [first, ...rest] = quantities.map((quantity) => ({ userId, eventId, quantity }));
      answers = await sendInOrder(a, url, eventId, first, rest);
    } finally {
      await holder.rollback();
      holder.release();
    }
    const results = await Promise.all(answers);
    expect(results.map((r) => r.status)).toEqual([201, 201, 409, 201, 409, 201]);
    expect(results[2]?.body.error).toEqual({ code: 'SOLD_OUT', message: 'Only 2 seat(s) left for this event' });
    expect(results[4]?.body.error).toEqual({ code: 'SOLD_OUT', message: 'Only 1 seat(s) left for this event' });
    const booked = results.filter((r) => r.status === 201).map((r) => r.body.id as string);
    // Written in arrival order: the outbox ids (AUTO_INCREMENT, one multi-row INSERT per group) follow it.
    expect(await outboxOrder(a, booked)).toEqual(booked);
    // The five queued requests were one group: one transaction, one createdAt.
    const [rows] = await a.pool.query<RowDataPacket[]>(
      'SELECT COUNT(DISTINCT created_at) AS n FROM bookings WHERE id IN (?)',
      [booked.slice(1)],
    );
    expect(Number(rows[0]?.n)).toBe(1);
    expect(await availableSeats(a.pool, eventId)).toBe(0);
  });

  test('when one user of a group is unknown, then that request is 404 and the others of the group are booked', async () => {
    const eventId = await insertEvent(a.pool, 10);
    const [u1, u2, u3] = [await insertUser(a.pool), await insertUser(a.pool), await insertUser(a.pool)];
    const holder = await holdEventRow(a, eventId);
    let answers: Array<Promise<Answer>>;
    try {
      answers = await sendInOrder(a, url, eventId, { userId: u1, eventId }, [
        { userId: u2, eventId },
        { userId: randomUUID(), eventId },
        { userId: u3, eventId, quantity: 2 },
      ]);
    } finally {
      await holder.rollback();
      holder.release();
    }
    const results = await Promise.all(answers);
    expect(results.map((r) => r.status)).toEqual([201, 201, 404, 201]);
    expect(results[2]?.body.error).toEqual({ code: 'NOT_FOUND', message: 'User not found' });
    expect(await availableSeats(a.pool, eventId)).toBe(6);
    expect((await bookingsOf(a.pool, eventId)).map((b) => b.quantity).sort()).toEqual([1, 1, 2]);
  });

  test('when the event of a group is unknown, then every request of it is 404 and nothing is written', async () => {
    const eventId = randomUUID();
    const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(a.pool)));
    const results = await Promise.all(users.map((userId) => post(url, { userId, eventId })));
    expect(results.map((r) => r.status)).toEqual(users.map(() => 404));
    expect(results.every((r) => r.body.error?.message === 'Event not found')).toBe(true);
    expect(await bookingsOf(a.pool, eventId)).toEqual([]);
  });

  test('when the outbox insert fails mid-group, then the whole group is rolled back, each request gets 503, and a retry books', async () => {
    const eventId = await insertEvent(a.pool, 10);
    const users = await Promise.all(Array.from({ length: 4 }, () => insertUser(a.pool)));
    // A real failure inside MySQL: a trigger refuses outbox rows of this event, after the seats were taken
    // and the bookings inserted in the same transaction.
    const trigger = `fail_outbox_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await a.pool.query(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON outbox FOR EACH ROW BEGIN
         IF NEW.payload LIKE '%${eventId}%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected'; END IF;
       END`,
    );
    let results: Answer[];
    try {
      const holder = await holdEventRow(a, eventId);
      let answers: Array<Promise<Answer>>;
      try {
        const [first, ...rest] = users.map((userId) => ({ userId, eventId }));
        answers = await sendInOrder(a, url, eventId, first, rest);
      } finally {
        await holder.rollback();
        holder.release();
      }
      results = await Promise.all(answers);
    } finally {
      await a.pool.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
    expect(results.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    for (const r of results) {
      expect(r.body.error?.code).toBe('UNAVAILABLE');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(await availableSeats(a.pool, eventId)).toBe(10);
    expect(await bookingsOf(a.pool, eventId)).toEqual([]);
    const [outbox] = await a.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox WHERE payload LIKE ?', [
      `%${eventId}%`,
    ]);
    expect(Number(outbox[0]?.n)).toBe(0);

    const retried = await Promise.all(users.map((userId) => post(url, { userId, eventId })));
    expect(retried.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(await availableSeats(a.pool, eventId)).toBe(6);
  });
});

describe('batches across events', () => {
  /** Sends one booking per held event, each after the one before blocks: both batches of the replica then wait
   * on a held row, and what arrives next waits for the next batch. */
  async function blockBothBatches(userId: string, held: string[]): Promise<Array<Promise<Answer>>> {
    const first: Array<Promise<Answer>> = [];
    for (const [i, eventId] of held.entries()) {
      first.push(post(url, { userId, eventId }));
      expect(await waitFor(async () => (await lockWaits(a)) === i + 1, 5_000)).toBe(true);
    }
    return first;
  }

  test('when bookings of several events wait while both batches are busy, then the next batch serves them all in one transaction, each event by its own seats', async () => {
    const [heldA, heldB] = [await insertEvent(a.pool, 5), await insertEvent(a.pool, 5)];
    const [c, d, f] = [await insertEvent(a.pool, 5), await insertEvent(a.pool, 1), await insertEvent(a.pool, 3)];
    const unknown = randomUUID();
    const userId = await insertUser(a.pool);
    const holders = [await holdEventRow(a, heldA), await holdEventRow(a, heldB)];
    let answers: Array<Promise<Answer>>;
    try {
      const first = await blockBothBatches(userId, [heldA, heldB]);
      const next = [
        post(url, { userId, eventId: c, quantity: 2 }),
        post(url, { userId, eventId: d, quantity: 2 }),
        post(url, { userId, eventId: unknown }),
        post(url, { userId, eventId: f, quantity: 3 }),
      ];
      expect(await waitFor(async () => a.rush.waiting() === 4, 5_000)).toBe(true);
      answers = [...first, ...next];
    } finally {
      for (const h of holders) {
        await h.rollback();
        h.release();
      }
    }
    const results = await Promise.all(answers);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 409, 404, 201]);
    expect(results[3]?.body.error).toEqual({ code: 'SOLD_OUT', message: 'Only 1 seat(s) left for this event' });
    expect(results[4]?.body.error).toEqual({ code: 'NOT_FOUND', message: 'Event not found' });
    // The bookings of c and f were one transaction: one createdAt.
    const [rows] = await a.pool.query<RowDataPacket[]>(
      'SELECT COUNT(DISTINCT created_at) AS n, COUNT(*) AS c FROM bookings WHERE id IN (?)',
      [[results[2]?.body.id, results[5]?.body.id]],
    );
    expect({ n: Number(rows[0]?.n), c: Number(rows[0]?.c) }).toEqual({ n: 1, c: 2 });
    expect(await Promise.all([c, d, f].map((id) => availableSeats(a.pool, id)))).toEqual([3, 1, 0]);
    expect(await bookingsOf(a.pool, d)).toEqual([]);
  });

  test('when a batch fails, then every request of every event in it gets 503 and none of its events loses a seat', async () => {
    const [heldA, heldB] = [await insertEvent(a.pool, 5), await insertEvent(a.pool, 5)];
    const [good, bad] = [await insertEvent(a.pool, 5), await insertEvent(a.pool, 5)];
    const userId = await insertUser(a.pool);
    const trigger = `fail_outbox_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await a.pool.query(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON outbox FOR EACH ROW BEGIN
         IF NEW.payload LIKE '%${bad}%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected'; END IF;
       END`,
    );
    let results: Answer[];
    try {
      const holders = [await holdEventRow(a, heldA), await holdEventRow(a, heldB)];
      let answers: Array<Promise<Answer>>;
      try {
        const first = await blockBothBatches(userId, [heldA, heldB]);
        const next = [post(url, { userId, eventId: good }), post(url, { userId, eventId: bad })];
        expect(await waitFor(async () => a.rush.waiting() === 2, 5_000)).toBe(true);
        answers = [...first, ...next];
      } finally {
        for (const h of holders) {
          await h.rollback();
          h.release();
        }
      }
      results = await Promise.all(answers);
    } finally {
      await a.pool.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
    expect(results.map((r) => r.status)).toEqual([201, 201, 503, 503]);
    expect(await Promise.all([good, bad].map((id) => availableSeats(a.pool, id)))).toEqual([5, 5]);
    expect(await bookingsOf(a.pool, good)).toEqual([]);
    const retried = await Promise.all([good, bad].map((eventId) => post(url, { userId, eventId })));
    expect(retried.map((r) => r.status)).toEqual([201, 201]);
  });
});

describe('admission bounded by time', () => {
  test('when requests wait longer than BOOKING_MAX_WAIT_MS for their turn, then 503 busy with Retry-After, and they book nothing', async () => {
    const quick = createTestApp({ BOOKING_MAX_WAIT_MS: '300' });
    const quickUrl = await quick.listen();
    const eventId = await insertEvent(a.pool, 5);
    const users = await Promise.all(Array.from({ length: 4 }, () => insertUser(a.pool)));
    const holder = await holdEventRow(a, eventId);
    try {
      const started = Date.now();
      const results = await Promise.all(users.map((userId) => post(quickUrl, { userId, eventId })));
      const elapsed = Date.now() - started;
      expect(results.map((r) => r.status)).toEqual([503, 503, 503, 503]);
      for (const r of results) {
        expect(r.body.error).toEqual({
          code: 'UNAVAILABLE',
          message: 'The booking service is busy, try again shortly',
        });
        expect(r.headers.get('retry-after')).toBe('1');
      }
      // Answered at the bound, not at the 5 s lock wait timeout.
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      await holder.rollback();
      holder.release();
    }
    try {
      // The group that was waiting on the lock now gets it with nobody left to serve: nothing is booked.
      expect(await waitFor(async () => !(await groupIsWaitingOnLock(a, quick)), 5_000)).toBe(true);
      const after = await post(quickUrl, { userId: users[0], eventId });
      expect(after.status).toBe(201);
      expect(await availableSeats(a.pool, eventId)).toBe(4);
    } finally {
      await quick.close();
    }
  });

  test('when 400 bookings arrive at once at one replica with a pool of 2 connections, then none is shed: each gets 201 or 409', async () => {
    const small = createTestApp({ MYSQL_POOL_SIZE: '2' });
    try {
      const smallUrl = await small.listen();
      const eventId = await insertEvent(a.pool, 150);
      const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(a.pool)));
      const results = await Promise.all(
        Array.from({ length: 400 }, (_, i) => post(smallUrl, { userId: users[i % users.length], eventId })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(150);
      expect(statuses.filter((s) => s === 409)).toHaveLength(250);
      expect(await availableSeats(a.pool, eventId)).toBe(0);
    } finally {
      await small.close();
    }
  });
});
