import { rmSync } from 'node:fs';
import { createBookingsStream, ownNats, sampleValue, scrapeMetrics } from '@ebs/service-kit/testing';
import request from 'supertest';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import { confirmedPayload, notificationRows, publisher, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// The durable consumer outlives its stream: when the BOOKINGS stream is deleted and made again by booking-service,
// or NATS comes back with an empty store, the service makes its consumer again and reads the new stream from its
// start, without a restart; /ready reports a consumer that could not consume for longer than
// CONSUMER_STALL_SECONDS (in its `nats` check, never as a 503). Each test on a nats-server of its own.
describe('the bookings consumer after its stream vanished', () => {
  let pub: Awaited<ReturnType<typeof publisher>>;
  let t: TestApp;
  // Declared first, so it runs before ownNats stops the server (after-hooks run in the order they are declared).
  afterEach(async () => {
    await t?.close();
    await pub?.close();
  });
  const nats = ownNats('test');

  const publishBooking = async () => {
    const payload = confirmedPayload();
    await pub.publishJs('bookings.confirmed', payload, `${payload.bookingId}.confirmed`);
    return payload.bookingId;
  };
  const notified = (bookingId: string) =>
    waitFor(async () => (await notificationRows(t.pool, bookingId)).length === 1, 10_000);
  const stalledSeconds = async () =>
    sampleValue(await scrapeMetrics(t.app), 'consumer_stalled_seconds', { consumer: CONSUMER_NAME });
  const readyNats = async () => {
    const res = await request(t.app).get('/ready');
    return { status: res.status, checks: res.body.checks as Record<string, string> };
  };

  test('when booking-service deletes and re-creates the stream, then a booking published after it is notified without a restart', async () => {
    pub = await publisher(nats.url);
    t = createTestApp({ NATS_URL: nats.url });
    expect(await notified(await publishBooking())).toBe(true);

    const jsm = await pub.jetstreamManager();
    await jsm.streams.delete('BOOKINGS');
    await createBookingsStream(pub);

    expect(await notified(await publishBooking())).toBe(true);
  });

  test('when nats-server comes back with an empty store and the stream is made again, then a booking published after it is notified', async () => {
    pub = await publisher(nats.url);
    t = createTestApp({ NATS_URL: nats.url });
    expect(await notified(await publishBooking())).toBe(true);
    await pub.close();

    await nats.stop();
    rmSync(nats.storeDir, { recursive: true, force: true });
    await nats.start();
    pub = await publisher(nats.url); // booking-service starts again and makes the stream

    expect(await notified(await publishBooking())).toBe(true);
  });

  test('when the stream stays gone longer than CONSUMER_STALL_SECONDS, then /ready reports nats down (still 200), and up again once it consumes', async () => {
    pub = await publisher(nats.url);
    t = createTestApp({ NATS_URL: nats.url, CONSUMER_STALL_SECONDS: '1' });
    expect(await notified(await publishBooking())).toBe(true);
    expect(await readyNats()).toEqual({ status: 200, checks: { mysql: 'up', nats: 'up' } });
    expect(await stalledSeconds()).toBe(0);

    const jsm = await pub.jetstreamManager();
    const deletedAt = Date.now();
    await jsm.streams.delete('BOOKINGS');
    expect(await waitFor(async () => (await readyNats()).checks.nats === 'down', 10_000)).toBe(true);
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(1_000);
    expect(await readyNats()).toEqual({ status: 200, checks: { mysql: 'up', nats: 'down' } });
    expect(await stalledSeconds()).toBeGreaterThan(1);

    await createBookingsStream(pub);
    expect(await waitFor(async () => (await readyNats()).checks.nats === 'up', 10_000)).toBe(true);
    expect(await notified(await publishBooking())).toBe(true);
    expect(await stalledSeconds()).toBe(0);
  });
});
