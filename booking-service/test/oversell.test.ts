import http from 'node:http';
import { adminAuth } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { availableSeats, bookingsOf, insertEvent, insertUser, outboxOf } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// Two independent instances of the service (own pools, as two replicas would be) over one database.
let a: TestApp;
let b: TestApp;
let urls: string[];
beforeAll(async () => {
  a = createTestApp();
  b = createTestApp();
  urls = [await a.listen(), await b.listen()];
});
afterAll(async () => {
  await a.close();
  await b.close();
});

/** One admin token for the whole burst (2,000 signatures would only load the test process). */
const ADMIN = adminAuth();

/** One POST on a connection of its own (no keep-alive pool): 2,000 requests are 2,000 concurrent clients. */
const postOwnConnection = (url: string, body: unknown) =>
  new Promise<number>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${url}/bookings`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...ADMIN } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });

const post = (url: string, body: unknown) =>
  fetch(`${url}/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminAuth() },
    body: JSON.stringify(body),
  });

describe('no overselling', () => {
  test('when 1000 bookings spread over 20 events race over two instances, then no event is oversold, every answer is 201 or 409, and each event adds up', async () => {
    const events = await Promise.all(Array.from({ length: 20 }, () => insertEvent(a.pool, 10)));
    const users = await Promise.all(Array.from({ length: 50 }, () => insertUser(a.pool)));
    // Batches of both instances lock overlapping sets of event rows: they must neither deadlock nor oversell.
    const requests = Array.from({ length: 1000 }, (_, i) => ({
      userId: users[i % users.length],
      eventId: events[(i * 7) % events.length],
      quantity: 1 + (i % 3),
    }));
    const statuses = await Promise.all(requests.map((body, i) => postOwnConnection(urls[i % 2] as string, body)));
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    for (const eventId of events) {
      const sold = (await bookingsOf(a.pool, eventId)).reduce((n, b) => n + b.quantity, 0);
      const left = await availableSeats(a.pool, eventId);
      expect({ eventId, sold: sold + left }).toEqual({ eventId, sold: 10 });
    }
    // Every 201 is one booking row, and there is no other.
    const [rows] = await a.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM bookings WHERE event_id IN (?)', [
      events,
    ]);
    expect(Number(rows[0]?.n)).toBe(statuses.filter((s) => s === 201).length);
  });

  test('when 200 bookings race for the last seat over two instances, then exactly one 201 and 199 SOLD_OUT', async () => {
    const eventId = await insertEvent(a.pool, 1);
    const users = await Promise.all(Array.from({ length: 200 }, () => insertUser(a.pool)));

    const responses = await Promise.all(users.map((userId, i) => post(urls[i % 2] as string, { userId, eventId })));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ error?: { code: string } }>;

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(199);
    expect(bodies.filter((body) => body.error?.code === 'SOLD_OUT')).toHaveLength(199);
    expect(await availableSeats(a.pool, eventId)).toBe(0);
    expect(await bookingsOf(a.pool, eventId)).toHaveLength(1);
  });

  test('when 200 bookings of 1-3 seats race for 30 seats, then exactly 30 are sold, each with one outbox row', async () => {
    const eventId = await insertEvent(a.pool, 30);
    const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(a.pool)));

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(urls[i % 2] as string, { userId: users[i % users.length], eventId, quantity: (i % 3) + 1 }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);

    const bookings = await bookingsOf(a.pool, eventId);
    expect(bookings.reduce((sum, x) => sum + x.quantity, 0)).toBe(30);
    expect(await availableSeats(a.pool, eventId)).toBe(0);
    expect(bookings).toHaveLength(statuses.filter((s) => s === 201).length);

    const outbox = await outboxOf(
      a.pool,
      bookings.map((x) => x.id),
    );
    expect(outbox.map((o) => o.msgId).sort()).toEqual(bookings.map((x) => `${x.id}.confirmed`).sort());
    const [dupes] = await a.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE msg_id IN (?) GROUP BY msg_id HAVING n > 1',
      [outbox.map((o) => o.msgId)],
    );
    expect(dupes).toHaveLength(0);
  });

  test('when 2000 bookings of 1-4 seats race for 100 seats over two instances, then exactly 100 are sold and the books balance', async () => {
    const eventId = await insertEvent(a.pool, 100);
    const users = await Promise.all(Array.from({ length: 40 }, () => insertUser(a.pool)));
    const statuses = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        postOwnConnection(urls[i % 2] as string, { userId: users[i % users.length], eventId, quantity: (i % 4) + 1 }),
      ),
    );
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const bookings = await bookingsOf(a.pool, eventId);
    const sold = bookings.reduce((sum, x) => sum + x.quantity, 0);
    expect(sold).toBe(100);
    expect(sold).toBe(100 - (await availableSeats(a.pool, eventId)));
    expect(bookings).toHaveLength(statuses.filter((s) => s === 201).length);
  });
});
