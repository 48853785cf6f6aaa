import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { createBookingsStream } from './support/bookings-stream';
import { bookDirectly, newEventBody } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import { adminAuth } from './support/tokens';

let t: TestApp;
let nc: NatsConnection;
beforeAll(async () => {
  // booking-service creates the stream; this service only looks it up.
  nc = await connect({ servers: process.env.NATS_URL });
  await createBookingsStream(nc);
  t = createTestApp({}, { withConsumer: true });
  await t.nats?.firstConnect;
});
afterAll(async () => {
  await nc.close();
  await t.close();
});

/** What booking-service's relay publishes after a booking commits. */
async function publishConfirmed(eventId: string, extra: Record<string, unknown> = {}) {
  const payload = {
    bookingId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    eventId,
    quantity: 1,
    createdAt: new Date().toISOString(),
    ...extra,
  };
  await nc.jetstream().publish('bookings.confirmed', new TextEncoder().encode(JSON.stringify(payload)), {
    msgID: `${payload.bookingId}.confirmed`,
  });
}

async function readWithin(id: string, ms: number, accept: (body: { availableSeats: number }) => boolean) {
  const deadline = Date.now() + ms;
  let last: { availableSeats: number; cached: boolean } | undefined;
  while (Date.now() <= deadline) {
    last = (await request(t.app).get(`/events/${id}`)).body;
    if (last && accept(last)) return { ok: true, last };
    await new Promise((r) => setTimeout(r, 25));
  }
  return { ok: false, last };
}

describe('cache refresh on bookings.confirmed', () => {
  test('when a booking is confirmed, then the cached read shows the new availableSeats within 1 s', async () => {
    const created = (
      await request(t.app)
        .post('/events')
        .set(adminAuth())
        .send(newEventBody({ totalSeats: 5 }))
        .expect(201)
    ).body;
    await request(t.app).get(`/events/${created.id}`).expect(200);
    expect((await request(t.app).get(`/events/${created.id}`)).body).toMatchObject({ cached: true, availableSeats: 5 });

    expect(await bookDirectly(t.pool, created.id, 2)).toBe(true);
    // Without the message, the cache still answers the old count: availability is never read from it.
    expect((await request(t.app).get(`/events/${created.id}`)).body).toMatchObject({ cached: true, availableSeats: 5 });
    await publishConfirmed(created.id);

    const seen = await readWithin(created.id, 1_000, (b) => b.availableSeats === 3);
    expect(seen.ok).toBe(true);
    // And it is cached again with the new value.
    expect((await request(t.app).get(`/events/${created.id}`)).body).toMatchObject({ cached: true, availableSeats: 3 });
  });

  test('when a malformed message arrives, then it is dropped and the next one still refreshes the cache', async () => {
    const created = (
      await request(t.app)
        .post('/events')
        .set(adminAuth())
        .send(newEventBody({ totalSeats: 4 }))
        .expect(201)
    ).body;
    await request(t.app).get(`/events/${created.id}`).expect(200);
    await nc.jetstream().publish('bookings.confirmed', new TextEncoder().encode('{"eventId": 12'));
    await publishConfirmed('not-a-uuid');
    expect(await bookDirectly(t.pool, created.id, 1)).toBe(true);
    await publishConfirmed(created.id);
    expect((await readWithin(created.id, 1_000, (b) => b.availableSeats === 3)).ok).toBe(true);
  });
});
