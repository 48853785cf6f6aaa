import { adminAuth } from '@ebs/service-kit/testing';
import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { insertEvent, insertUser, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let t: TestApp;
let watcher: NatsConnection;
const headersSeen = new Map<string, string | undefined>();

beforeAll(async () => {
  t = createTestApp({}, { startRelay: true });
  watcher = await connect({ servers: process.env.NATS_URL });
  watcher.subscribe('bookings.confirmed', {
    callback: (_err, m) => headersSeen.set(m.json<{ bookingId: string }>().bookingId, m.headers?.get('X-Request-Id')),
  });
  await watcher.flush();
  await t.nats.firstConnect;
});
afterAll(async () => {
  await watcher.close();
  await t.close();
});

describe('request id through the outbox', () => {
  test('when a booking request carries X-Request-Id, then the published message carries it as header X-Request-Id', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 1);
    const res = await request(t.app)
      .post('/bookings')
      .set(adminAuth())
      .set('X-Request-Id', 'trace-booking-42')
      .send({ userId, eventId });
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toBe('trace-booking-42');

    expect(await waitFor(async () => headersSeen.has(res.body.id), 5_000)).toBe(true);
    expect(headersSeen.get(res.body.id)).toBe('trace-booking-42');
  });

  test('when a booking request has no X-Request-Id, then the message carries the id the service gave it', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 1);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId });
    expect(res.status).toBe(201);

    expect(await waitFor(async () => headersSeen.has(res.body.id), 5_000)).toBe(true);
    expect(headersSeen.get(res.body.id)).toBe(res.headers['x-request-id']);
  });
});
