import http from 'node:http';
import { adminAuth, customerAuth } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { availableSeats, insertEvent, insertUser, streamMessages, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// Two independent instances of the service (own pools, as two replicas would be) over one database.
let a: TestApp;
let b: TestApp;
let urls: [string, string];
beforeAll(async () => {
  a = createTestApp({}, { startRelay: true });
  b = createTestApp({}, { startRelay: true });
  urls = [await a.listen(), await b.listen()];
});
afterAll(async () => {
  await a.close();
  await b.close();
});

type Json = Record<string, unknown> & { error?: { code: string } };

/** One request on a connection of its own (no keep-alive pool: hundreds at once are hundreds of clients). */
function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  auth: Record<string, string> = adminAuth(),
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
    const req = http.request(`${url}${path}`, { method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function book(userId: string, eventId: string, quantity = 1, url = urls[0]): Promise<Json> {
  const res = await call(url, 'POST', '/bookings', { eventId, quantity }, customerAuth(userId));
  expect(res.status).toBe(201);
  return res.body;
}

/** Cancels as an admin unless told whose token to send. */
const cancel = (bookingId: string, url = urls[0], auth: Record<string, string> = adminAuth()) =>
  call(url, 'POST', `/bookings/${bookingId}/cancel`, undefined, auth);

async function cancelledOutbox(bookingId: string) {
  const [rows] = await a.pool.query<RowDataPacket[]>(
    'SELECT msg_id, subject, payload FROM outbox WHERE msg_id LIKE ?',
    [`${bookingId}.%`],
  );
  return rows
    .filter((r) => String(r.msg_id).endsWith('.cancelled'))
    .map((r) => ({ msgId: String(r.msg_id), subject: String(r.subject), payload: JSON.parse(String(r.payload)) }));
}

/** One consistent snapshot (one statement): the event's counters and the seats its confirmed bookings hold. */
async function seatLedger(eventId: string) {
  const [rows] = await a.pool.query<RowDataPacket[]>(
    `SELECT e.total_seats AS total, e.available_seats AS available,
            (SELECT COALESCE(SUM(b.quantity), 0) FROM bookings b WHERE b.event_id = e.id AND b.status = 'confirmed') AS held
       FROM events e WHERE e.id = ?`,
    [eventId],
  );
  const r = rows[0] as RowDataPacket;
  return { total: Number(r.total), available: Number(r.available), held: Number(r.held) };
}

describe('cancelling a booking', () => {
  test('when a confirmed booking is cancelled, then 200 with status cancelled and cancelledAt, its seats are back and one bookings.cancelled message is written', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const booking = await book(userId, eventId, 3);
    expect(booking).not.toHaveProperty('cancelledAt');
    expect(await availableSeats(a.pool, eventId)).toBe(2);

    const before = Date.now();
    const res = await cancel(String(booking.id), urls[0], customerAuth(userId));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...booking, status: 'cancelled', cancelledAt: expect.any(String) });
    const cancelledAt = Date.parse(String(res.body.cancelledAt));
    expect(String(res.body.cancelledAt)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(cancelledAt).toBeGreaterThanOrEqual(before - 5);
    expect(await availableSeats(a.pool, eventId)).toBe(5);

    expect(await cancelledOutbox(String(booking.id))).toEqual([
      {
        msgId: `${booking.id}.cancelled`,
        subject: 'bookings.cancelled',
        payload: {
          bookingId: booking.id,
          userId,
          eventId,
          quantity: 3,
          createdAt: booking.createdAt,
          cancelledAt: res.body.cancelledAt,
        },
      },
    ]);
    const got = await call(urls[1], 'GET', `/bookings/${booking.id}`);
    expect(got).toEqual({ status: 200, body: res.body });
  });

  test('when the cancellation is relayed, then JetStream holds one bookings.cancelled message with msgID <bookingId>.cancelled', async () => {
    const booking = await book(await insertUser(a.pool), await insertEvent(a.pool, 2));
    const res = await cancel(String(booking.id), urls[1]);
    expect(res.status).toBe(200);
    const nc = a.nats.connection();
    if (!nc) throw new Error('test NATS link is not connected');
    const mine = async () =>
      (await streamMessages(nc)).filter((m) => m.subject === 'bookings.cancelled' && m.data.bookingId === booking.id);
    expect(await waitFor(async () => (await mine()).length === 1)).toBe(true);
    const [msg] = await mine();
    expect(msg?.msgId).toBe(`${booking.id}.cancelled`);
    expect(msg?.data).toEqual({
      bookingId: booking.id,
      userId: booking.userId,
      eventId: booking.eventId,
      quantity: 1,
      createdAt: booking.createdAt,
      cancelledAt: res.body.cancelledAt,
    });
  });

  test('when a booking is cancelled twice, then both answers are the same 200 and the seats come back once', async () => {
    const eventId = await insertEvent(a.pool, 4);
    const booking = await book(await insertUser(a.pool), eventId, 2);
    const first = await cancel(String(booking.id));
    const second = await cancel(String(booking.id), urls[1]);
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(await availableSeats(a.pool, eventId)).toBe(4);
    expect(await cancelledOutbox(String(booking.id))).toHaveLength(1);
  });

  test('when 50 cancels of one booking race over two instances, then all answer the same 200, the seats come back once and one outbox row is written', async () => {
    const eventId = await insertEvent(a.pool, 10);
    const others = await Promise.all([1, 2, 3].map(async () => book(await insertUser(a.pool), eventId, 2)));
    const owner = await insertUser(a.pool);
    const booking = await book(owner, eventId, 3);
    expect(await availableSeats(a.pool, eventId)).toBe(1);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cancel(String(booking.id), urls[i % 2] as string, customerAuth(owner))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const first = results[0]?.body;
    expect(first?.status).toBe('cancelled');
    for (const r of results) expect(r.body).toEqual(first);

    expect(await availableSeats(a.pool, eventId)).toBe(4);
    expect(await cancelledOutbox(String(booking.id))).toHaveLength(1);
    expect(await seatLedger(eventId)).toEqual({ total: 10, available: 4, held: 6 });
    expect(others.every((o) => o.status === 'confirmed')).toBe(true);
  });

  test('when the event has started, then 409 CONFLICT and nothing changes', async () => {
    const eventId = await insertEvent(a.pool, 3);
    const booking = await book(await insertUser(a.pool), eventId, 2);
    await a.pool.query('UPDATE events SET starts_at = ? WHERE id = ?', [new Date(Date.now() - 1000), eventId]);

    const res = await cancel(String(booking.id));
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe('CONFLICT');
    expect(await availableSeats(a.pool, eventId)).toBe(1);
    expect((await call(urls[0], 'GET', `/bookings/${booking.id}`)).body).toEqual(booking);
    expect(await cancelledOutbox(String(booking.id))).toHaveLength(0);
  });

  test('when the clock reaches the start, then a cancel is 409 (startsAt <= now) and a second before it is 200', async () => {
    const startsAt = new Date('2099-01-01T19:00:00Z'); // insertEvent's start
    let now = new Date(startsAt.getTime());
    const clocked = createTestApp({}, { now: () => now });
    const url = await clocked.listen();
    try {
      const eventId = await insertEvent(a.pool, 2);
      const booking = await book(await insertUser(a.pool), eventId);
      expect((await cancel(String(booking.id), url)).status).toBe(409);
      now = new Date(startsAt.getTime() - 1000);
      const ok = await cancel(String(booking.id), url);
      expect(ok.status).toBe(200);
      expect(ok.body.cancelledAt).toBe(now.toISOString());
      expect(await availableSeats(a.pool, eventId)).toBe(2);
    } finally {
      await clocked.close();
    }
  });

  test('when a customer cancels another user’s booking, then 403 FORBIDDEN and nothing changes; without a token 401', async () => {
    const owner = await insertUser(a.pool);
    const stranger = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 3);
    const booking = await book(owner, eventId, 2);

    const denied = await cancel(String(booking.id), urls[1], customerAuth(stranger));
    expect([denied.status, denied.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await cancel(String(booking.id), urls[0], {});
    expect([anonymous.status, anonymous.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);

    expect(await availableSeats(a.pool, eventId)).toBe(1);
    expect((await call(urls[0], 'GET', `/bookings/${booking.id}`)).body).toEqual(booking);
    expect(await cancelledOutbox(String(booking.id))).toHaveLength(0);
    // The owner and an admin may.
    expect((await cancel(String(booking.id), urls[0], customerAuth(owner))).status).toBe(200);
    const byAdmin = await cancel(String((await book(owner, eventId, 1)).id), urls[1], adminAuth());
    expect([byAdmin.status, byAdmin.body.status]).toEqual([200, 'cancelled']);
  });

  test('when the id is unknown or not a UUID, then 404 NOT_FOUND', async () => {
    for (const id of ['0b7e2c4e-9c7d-4a51-8d4c-1f2e3a4b5c6d', 'not-a-uuid', '123']) {
      const res = await cancel(id);
      expect(res.status).toBe(404);
      expect(res.body.error?.code).toBe('NOT_FOUND');
    }
  });

  test('when a cancel carries an unknown body field or query parameter, then 400 VALIDATION_FAILED and nothing changes', async () => {
    const booking = await book(await insertUser(a.pool), await insertEvent(a.pool, 1));
    const res = await call(urls[0], 'POST', `/bookings/${booking.id}/cancel`, { reason: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('VALIDATION_FAILED');
    const q = await call(urls[0], 'POST', `/bookings/${booking.id}/cancel?force=1`);
    expect(q.status).toBe(400);
    expect((await call(urls[0], 'GET', `/bookings/${booking.id}`)).body.status).toBe('confirmed');
  });
});

describe('listing by status', () => {
  test('when bookings are listed with ?status=, then only that status comes back, newest first; a bad status is 400', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 10);
    const kept = await book(userId, eventId);
    const gone = await book(userId, eventId);
    await cancel(String(gone.id));

    const confirmed = await call(urls[0], 'GET', `/bookings?userId=${userId}&status=confirmed`);
    expect(confirmed.status).toBe(200);
    expect((confirmed.body.data as Json[]).map((x) => x.id)).toEqual([kept.id]);
    expect(confirmed.body.pagination).toEqual({ limit: 20, offset: 0, total: 1 });

    const cancelled = await call(urls[1], 'GET', `/bookings?eventId=${eventId}&status=cancelled`);
    expect((cancelled.body.data as Json[]).map((x) => [x.id, x.status])).toEqual([[gone.id, 'cancelled']]);
    expect((cancelled.body.data as Json[])[0]?.cancelledAt).toEqual(expect.any(String));

    const all = await call(urls[0], 'GET', `/bookings?userId=${userId}`);
    expect((all.body.data as Json[]).map((x) => x.id)).toEqual([gone.id, kept.id]);

    const bad = await call(urls[0], 'GET', '/bookings?status=pending');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('VALIDATION_FAILED');
  });
});

describe('bookings and cancels racing', () => {
  test('when hundreds of bookings and cancels race on one event over two instances, then available == total - confirmed seats at every sample, never below 0 or above total', async () => {
    const total = 40;
    const eventId = await insertEvent(a.pool, total);
    const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(a.pool)));
    const violations: unknown[] = [];
    let samples = 0;
    let racing = true;
    const sampler = (async () => {
      while (racing) {
        const s = await seatLedger(eventId);
        samples++;
        if (s.available !== s.total - s.held || s.available < 0 || s.available > s.total) violations.push(s);
      }
    })();

    // 400 bookings of 1-3 seats; each one that succeeds is cancelled right away from the other instance,
    // so seats keep coming back while later bookings still race for them.
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const url = urls[i % 2] as string;
        const userId = users[i % users.length] as string;
        const res = await call(url, 'POST', '/bookings', { eventId, quantity: (i % 3) + 1 }, customerAuth(userId));
        if (res.status !== 201) return { booked: res.status, cancelled: 0 };
        if (i % 3 === 0) return { booked: 201, cancelled: 0 }; // some stay confirmed
        const c = await cancel(String(res.body.id), urls[(i + 1) % 2] as string, customerAuth(userId));
        return { booked: 201, cancelled: c.status };
      }),
    );
    racing = false;
    await sampler;

    expect(outcomes.filter((o) => o.booked !== 201 && o.booked !== 409)).toEqual([]);
    expect(outcomes.filter((o) => o.booked === 201).length).toBeGreaterThan(total / 3);
    expect(outcomes.every((o) => o.cancelled === 0 || o.cancelled === 200)).toBe(true);
    expect(outcomes.some((o) => o.cancelled === 200)).toBe(true);
    expect(samples).toBeGreaterThan(10);
    expect(violations).toEqual([]);
    const end = await seatLedger(eventId);
    expect(end.available).toBe(end.total - end.held);
    const [counts] = await a.pool.query<RowDataPacket[]>(
      `SELECT (SELECT COUNT(*) FROM bookings WHERE event_id = ? AND status = 'cancelled') AS cancelled,
              (SELECT COUNT(*) FROM outbox WHERE subject = 'bookings.cancelled'
                 AND msg_id IN (SELECT CONCAT(id, '.cancelled') FROM bookings WHERE event_id = ?)) AS messages`,
      [eventId, eventId],
    );
    expect(Number(counts[0]?.messages)).toBe(Number(counts[0]?.cancelled));
    expect(Number(counts[0]?.cancelled)).toBe(outcomes.filter((o) => o.cancelled === 200).length);
  });
});
