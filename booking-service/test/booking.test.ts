import { randomUUID } from 'node:crypto';
import { adminAuth } from '@ebs/service-kit/testing';
import { connect, type NatsConnection, type Subscription } from 'nats';
import request from 'supertest';
import { availableSeats, bookingsOf, insertEvent, insertUser, outboxOf, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let t: TestApp;
let watcher: NatsConnection;
let live: Subscription;
const seen: Array<{ subject: string; msgId?: string; data: Record<string, unknown> }> = [];

beforeAll(async () => {
  t = createTestApp({}, { startRelay: true });
  // A plain (core) NATS subscriber: it sees bookings.confirmed live, as docs/messaging.md promises.
  watcher = await connect({ servers: process.env.NATS_URL });
  live = watcher.subscribe('bookings.>', {
    callback: (_err, m) => seen.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), data: m.json() }),
  });
  await t.nats.firstConnect;
});
afterAll(async () => {
  live.unsubscribe();
  await watcher.close();
  await t.close();
});

const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('POST /bookings', () => {
  test('when seats are left, then 201, seats taken, booking and outbox row stored, message published', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 5);

    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId, quantity: 2 });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId,
      eventId,
      quantity: 2,
      status: 'confirmed',
      createdAt: expect.stringMatching(ISO_MS_Z),
    });
    expect(await availableSeats(t.pool, eventId)).toBe(3);
    expect(await bookingsOf(t.pool, eventId)).toEqual([{ id: res.body.id, quantity: 2 }]);
    const expectedPayload = { bookingId: res.body.id, userId, eventId, quantity: 2, createdAt: res.body.createdAt };
    const [row] = await outboxOf(t.pool, [res.body.id]);
    expect(row).toMatchObject({
      msgId: `${res.body.id}.confirmed`,
      subject: 'bookings.confirmed',
      payload: expectedPayload,
    });

    expect(await waitFor(async () => seen.some((m) => m.data.bookingId === res.body.id), 3_000)).toBe(true);
    expect(seen.find((m) => m.data.bookingId === res.body.id)).toEqual({
      subject: 'bookings.confirmed',
      msgId: `${res.body.id}.confirmed`,
      data: expectedPayload,
    });
    expect(await waitFor(async () => (await outboxOf(t.pool, [res.body.id]))[0]?.publishedAt != null)).toBe(true);
  });

  test('when quantity is left out, then one seat is booked', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 1);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId });
    expect(res.status).toBe(201);
    expect(res.body.quantity).toBe(1);
    expect(await availableSeats(t.pool, eventId)).toBe(0);
  });

  test('when fewer seats are left than asked, then 409 SOLD_OUT and nothing changes', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 2);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId, quantity: 3 });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'SOLD_OUT', message: expect.any(String) } });
    expect(await availableSeats(t.pool, eventId)).toBe(2);
    expect(await bookingsOf(t.pool, eventId)).toEqual([]);
  });

  test('when the event has already started, then 409 CONFLICT and nothing changes', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 2);
    await t.pool.query('UPDATE events SET starts_at = ? WHERE id = ?', [new Date(Date.now() - 60_000), eventId]);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'CONFLICT', message: expect.any(String) } });
    expect(await availableSeats(t.pool, eventId)).toBe(2);
    expect(await bookingsOf(t.pool, eventId)).toEqual([]);
  });

  test('when the user is unknown, then 404 NOT_FOUND and nothing changes', async () => {
    const eventId = await insertEvent(t.pool, 2);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId: randomUUID(), eventId });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'User not found' } });
    expect(await availableSeats(t.pool, eventId)).toBe(2);
  });

  test('when the event is unknown, then 404 NOT_FOUND', async () => {
    const userId = await insertUser(t.pool);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId: randomUUID() });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Event not found' } });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['userId is missing', { userId: undefined }, 'userId'],
    ['userId is not a UUID', { userId: 'abc' }, 'userId'],
    ['eventId is a number', { eventId: 42 }, 'eventId'],
    ['quantity is 0', { quantity: 0 }, 'quantity'],
    ['quantity is 11', { quantity: 11 }, 'quantity'],
    ['quantity is a fraction', { quantity: 1.5 }, 'quantity'],
    ['quantity is a string', { quantity: '2' }, 'quantity'],
    ['quantity is null', { quantity: null }, 'quantity'],
    ['an unknown field is sent', { status: 'cancelled' }, 'status'],
  ])('when %s, then 400 VALIDATION_FAILED naming it and nothing changes', async (_, change, field) => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 20);
    const res = await request(t.app)
      .post('/bookings')
      .set(adminAuth())
      .send({ userId, eventId, quantity: 1, ...change });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ field, message: expect.any(String) }]);
    expect(await availableSeats(t.pool, eventId)).toBe(20);
  });

  test('when the JSON is malformed, then 400 INVALID_JSON', async () => {
    const res = await request(t.app)
      .post('/bookings')
      .set(adminAuth())
      .set('Content-Type', 'application/json')
      .send('{"userId"');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_JSON', message: 'Request body is not valid JSON' } });
  });

  test.each(['null', '"text"', '42', 'true'])(
    'when the body is valid JSON but %s, not an object, then 400 INVALID_JSON saying an object is needed',
    async (body) => {
      const res = await request(t.app)
        .post('/bookings')
        .set(adminAuth())
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'INVALID_JSON', message: 'Request body must be a JSON object' } });
    },
  );
});

describe('GET /bookings and /bookings/:id', () => {
  test('when a booking exists, then GET by id answers it', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 3);
    const created = (await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId }).expect(201))
      .body;
    const res = await request(t.app).get(`/bookings/${created.id}`).set(adminAuth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
  });

  test.each([randomUUID(), 'nope'])('when the id is %s, then 404 NOT_FOUND', async (id) => {
    const res = await request(t.app).get(`/bookings/${id}`).set(adminAuth());
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  test('when filtered by user and event, then only theirs, newest first, with exact totals', async () => {
    const [u1, u2] = [await insertUser(t.pool), await insertUser(t.pool)];
    const [e1, e2] = [await insertEvent(t.pool, 10), await insertEvent(t.pool, 10)];
    const ids: string[] = [];
    for (const [userId, eventId] of [
      [u1, e1],
      [u1, e2],
      [u2, e1],
      [u1, e1],
    ]) {
      ids.push((await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId }).expect(201)).body.id);
    }
    const byUser = await request(t.app).get(`/bookings?userId=${u1}`).set(adminAuth());
    expect(byUser.body.pagination).toEqual({ limit: 20, offset: 0, total: 3 });
    expect(byUser.body.data.map((b: { id: string }) => b.id)).toEqual([ids[3], ids[1], ids[0]]);

    const byEvent = await request(t.app).get(`/bookings?eventId=${e1}&limit=1&offset=1`).set(adminAuth());
    expect(byEvent.body.pagination).toEqual({ limit: 1, offset: 1, total: 3 });
    expect(byEvent.body.data.map((b: { id: string }) => b.id)).toEqual([ids[2]]);

    const both = await request(t.app).get(`/bookings?eventId=${e1}&userId=${u1}`).set(adminAuth());
    expect(both.body.data.map((b: { id: string }) => b.id)).toEqual([ids[3], ids[0]]);

    const unfiltered = await request(t.app).get('/bookings?limit=100').set(adminAuth());
    expect(unfiltered.body.pagination.total).toBeGreaterThanOrEqual(4);
  });

  test.each(['userId=abc', 'eventId=1', 'limit=0', 'offset=-2', 'limit=101'])(
    'when ?%s, then 400 VALIDATION_FAILED',
    async (q) => {
      const res = await request(t.app).get(`/bookings?${q}`).set(adminAuth());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    },
  );

  test('when the service is up, then /ready reports mysql and nats up', async () => {
    await request(t.app)
      .get('/ready')
      .expect(200, { status: 'ready', checks: { mysql: 'up', nats: 'up' } });
  });
});
