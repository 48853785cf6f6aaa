import { createLogger } from '@ebs/service-kit/observability';
import { customerAuth } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { IDEMPOTENCY_TTL_MS } from '../src/domain/idempotency';
import { createKeyPurger } from '../src/domain/idempotency-purge';
import { availableSeats, bookingsOf, insertEvent, insertUser } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// Two independent instances (own pools, own in-memory in-flight maps, as two replicas) over one database.
// Both read the same adjustable clock, so a test can move "now" past the 24 h a key is remembered.
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
let a: TestApp;
let b: TestApp;
let urls: [string, string];
beforeAll(async () => {
  a = createTestApp({}, { now });
  b = createTestApp({}, { now });
  urls = [await a.listen(), await b.listen()];
});
afterEach(() => {
  clockOffsetMs = 0;
});
afterAll(async () => {
  await a.close();
  await b.close();
});

type Answer = { status: number; replayed: string | null; body: Record<string, unknown> & { error?: { code: string } } };

/** POST /bookings as the customer the body names (a customer books for themselves). */
async function post(body: { userId: string } & Record<string, unknown>, key?: string, url = urls[0]): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...customerAuth(body.userId) };
  if (key !== undefined) headers['Idempotency-Key'] = key;
  const res = await fetch(`${url}/bookings`, { method: 'POST', headers, body: JSON.stringify(body) });
  return {
    status: res.status,
    replayed: res.headers.get('Idempotent-Replayed'),
    body: (await res.json()) as Answer['body'],
  };
}

async function outboxRowsOf(bookingIds: string[]): Promise<number> {
  if (bookingIds.length === 0) return 0;
  const [rows] = await a.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox WHERE msg_id IN (?)', [
    bookingIds.map((id) => `${id}.confirmed`),
  ]);
  return Number(rows[0]?.n);
}

async function keyRows(userId: string): Promise<number> {
  const [rows] = await a.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = ?', [
    userId,
  ]);
  return Number(rows[0]?.n);
}

describe('Idempotency-Key on POST /bookings', () => {
  test('when a booking is retried with its key and the same body, then the original 201 comes back with Idempotent-Replayed and nothing more is booked', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const first = await post({ userId, eventId, quantity: 2 }, 'order-1');
    expect(first.status).toBe(201);
    expect(first.replayed).toBeNull();

    const again = await post({ userId, eventId, quantity: 2 }, 'order-1', urls[1]);
    expect(again).toEqual({ status: 201, replayed: 'true', body: first.body });
    expect(await bookingsOf(a.pool, eventId)).toHaveLength(1);
    expect(await availableSeats(a.pool, eventId)).toBe(3);
    expect(await outboxRowsOf([String(first.body.id)])).toBe(1);
  });

  test('when the same key comes with another quantity or event, then 422 IDEMPOTENCY_MISMATCH and nothing is booked', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const otherEvent = await insertEvent(a.pool, 5);
    expect((await post({ userId, eventId, quantity: 1 }, 'k-422')).status).toBe(201);

    for (const body of [
      { userId, eventId, quantity: 2 },
      { userId, eventId: otherEvent, quantity: 1 },
    ]) {
      const res = await post(body, 'k-422', urls[1]);
      expect(res.status).toBe(422);
      expect(res.body.error?.code).toBe('IDEMPOTENCY_MISMATCH');
    }
    expect(await availableSeats(a.pool, eventId)).toBe(4);
    expect(await availableSeats(a.pool, otherEvent)).toBe(5);
  });

  test('when two users send the same key, then each gets a booking of their own (keys are per user)', async () => {
    const eventId = await insertEvent(a.pool, 5);
    const [u1, u2] = await Promise.all([insertUser(a.pool), insertUser(a.pool)]);
    const r1 = await post({ userId: u1, eventId }, 'shared-key');
    const r2 = await post({ userId: u2, eventId }, 'shared-key');
    expect([r1.status, r2.status, r2.replayed]).toEqual([201, 201, null]);
    expect(r1.body.id).not.toBe(r2.body.id);
  });

  test('when 20 requests with one key race over two instances, then one booking, one seat, one outbox row, and each answer is that booking or 409 CONFLICT', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 50);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post({ userId, eventId, quantity: 1 }, 'rush-key', urls[i % 2])),
    );
    const booked = await bookingsOf(a.pool, eventId);
    expect(booked).toHaveLength(1);
    const id = booked[0]?.id;
    for (const r of results) {
      if (r.status === 201) expect(r.body.id).toBe(id);
      else expect([r.status, r.body.error?.code]).toEqual([409, 'CONFLICT']);
    }
    expect(results.filter((r) => r.status === 201 && r.replayed === null)).toHaveLength(1);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(2);
    expect(await availableSeats(a.pool, eventId)).toBe(49);
    expect(await outboxRowsOf([String(id)])).toBe(1);
    expect(await keyRows(userId)).toBe(1);
  });

  test('when one key races with two different bodies over two instances, then one booking is made and the other request is 422 or 409', async () => {
    const userId = await insertUser(a.pool);
    const [e1, e2] = await Promise.all([insertEvent(a.pool, 5), insertEvent(a.pool, 5)]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post({ userId, eventId: i % 2 ? e1 : e2 }, 'two-bodies', urls[i % 2])),
    );
    const made = [...(await bookingsOf(a.pool, e1)), ...(await bookingsOf(a.pool, e2))];
    expect(made).toHaveLength(1);
    for (const r of results) {
      if (r.status === 201) expect(r.body.id).toBe(made[0]?.id);
      else expect([409, 422]).toContain(r.status);
    }
    expect((await availableSeats(a.pool, e1)) + (await availableSeats(a.pool, e2))).toBe(9);
  });

  test('when an attempt is refused (404, 409 SOLD_OUT), then its key is not remembered and a retry with it books', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 1);
    expect((await post({ userId: await insertUser(a.pool), eventId })).status).toBe(201); // sold out now

    const soldOut = await post({ userId, eventId }, 'try-again');
    expect([soldOut.status, soldOut.body.error?.code]).toEqual([409, 'SOLD_OUT']);
    const unknown = await post({ userId, eventId: '0b7e2c4e-9c7d-4a51-8d4c-1f2e3a4b5c6d' }, 'try-again');
    expect(unknown.status).toBe(404);
    expect(await keyRows(userId)).toBe(0);

    const other = await insertEvent(a.pool, 3);
    const ok = await post({ userId, eventId: other, quantity: 2 }, 'try-again', urls[1]);
    expect([ok.status, ok.replayed]).toEqual([201, null]);
    expect(await availableSeats(a.pool, other)).toBe(1);
  });

  test('when 24 h have passed (clock injected), then the key is free again and the purge removes the old row', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const first = await post({ userId, eventId, quantity: 1 }, 'daily');
    expect(first.status).toBe(201);

    clockOffsetMs = IDEMPOTENCY_TTL_MS - 60_000; // a minute short of 24 h: still remembered
    expect((await post({ userId, eventId, quantity: 3 }, 'daily')).status).toBe(422);

    clockOffsetMs = IDEMPOTENCY_TTL_MS + 1_000;
    const later = await post({ userId, eventId, quantity: 3 }, 'daily', urls[1]);
    expect([later.status, later.replayed]).toEqual([201, null]);
    expect(later.body.id).not.toBe(first.body.id);
    expect(await availableSeats(a.pool, eventId)).toBe(1);
    const replay = await post({ userId, eventId, quantity: 3 }, 'daily');
    expect([replay.status, replay.replayed, replay.body.id]).toEqual([201, 'true', later.body.id]);

    // The purge, 24 h after the second booking too, removes both generations in batches of 1.
    const u2 = await insertUser(a.pool);
    await post({ userId: u2, eventId }, 'kept');
    clockOffsetMs = 2 * IDEMPOTENCY_TTL_MS + 2_000;
    await a.pool.query('UPDATE idempotency_keys SET created_at = ? WHERE user_id = ?', [now(), u2]); // fresh then
    const purger = createKeyPurger({
      idempotency: a.repos.idempotency,
      logger: createLogger('test', 'silent'),
      now,
      everyMs: 60_000,
      batchSize: 1,
    });
    expect(await purger.purgeOnce()).toBeGreaterThanOrEqual(1);
    expect(await keyRows(userId)).toBe(0);
    expect(await keyRows(u2)).toBe(1);
  });

  test('when the key is empty, longer than 255, or not printable ASCII, then 400 VALIDATION_FAILED naming it and nothing is booked', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    for (const key of ['', 'x'.repeat(256), 'caf\u00e9', 'tab\tkey']) {
      const res = await post({ userId, eventId }, key);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('VALIDATION_FAILED');
      expect(res.body.error).toMatchObject({ details: [{ field: 'Idempotency-Key' }] });
    }
    expect((await post({ userId, eventId }, 'x'.repeat(255))).status).toBe(201);
    expect((await post({ userId, eventId, quantity: 2 }, ' !~')).status).toBe(201);
    expect(await availableSeats(a.pool, eventId)).toBe(2);
  });
});
