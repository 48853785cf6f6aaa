import { randomUUID } from 'node:crypto';
import {
  adminAuth,
  bookingsStreamPerFile,
  oneAppPerFile,
  type Sample,
  sampleValue,
  scrapeMetrics,
  scrapeMetricsUntil,
} from '@ebs/service-kit/testing';
import { headers } from 'nats';
import request from 'supertest';
import { CONSUMER_NAME } from '../src/messaging/cache-refresh.consumer';
import { newEventBody } from './support/fixtures';
import { createTestApp } from './support/test-app';

// booking-service creates the stream; this service only looks it up.
const stream = bookingsStreamPerFile();
const t = oneAppPerFile(async () => {
  const app = createTestApp({}, { withConsumer: true });
  await app.nats?.firstConnect;
  return app;
});

const scrape = (): Promise<Sample[]> => scrapeMetrics(t.app);

const scrapeUntil = (check: (m: Sample[]) => boolean): Promise<Sample[]> => scrapeMetricsUntil(t.app, check);

async function publish(payload: string, requestId?: string): Promise<void> {
  const h = headers();
  if (requestId) h.set('X-Request-Id', requestId);
  await stream.nc.jetstream().publish('bookings.confirmed', new TextEncoder().encode(payload), {
    msgID: randomUUID(),
    headers: h,
  });
}

describe('GET /metrics', () => {
  test('when scraped, then it parses as Prometheus text with the process metrics', async () => {
    const m = await scrape();
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  test('when an event is read twice, then cache_requests_total counts one miss and one hit', async () => {
    const created = await request(t.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201);
    const before = await scrape();
    expect((await request(t.app).get(`/events/${created.body.id}`)).body.cached).toBe(false);
    expect((await request(t.app).get(`/events/${created.body.id}`)).body.cached).toBe(true);

    const after = await scrape();
    for (const result of ['hit', 'miss']) {
      expect(
        sampleValue(after, 'cache_requests_total', { result }) -
          sampleValue(before, 'cache_requests_total', { result }),
      ).toBe(1);
    }
    const route = { method: 'GET', route: '/events/:id', status: '200' };
    expect(
      sampleValue(after, 'http_request_duration_seconds_count', route) -
        sampleValue(before, 'http_request_duration_seconds_count', route),
    ).toBe(2);
  });

  test('when a booking message is consumed, then consumer_deliveries_total{outcome=ack} and consumer_lag_seconds move', async () => {
    const created = await request(t.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201);
    const consumer = { consumer: CONSUMER_NAME };
    const before = await scrape();
    const acked = (m: Sample[]) => sampleValue(m, 'consumer_deliveries_total', { ...consumer, outcome: 'ack' });
    const body = { bookingId: randomUUID(), userId: randomUUID(), eventId: created.body.id, quantity: 1 };
    await publish(JSON.stringify({ ...body, createdAt: new Date().toISOString() }), 'metrics-req-1');

    const after = await scrapeUntil((m) => acked(m) > acked(before));
    expect(acked(after) - acked(before)).toBe(1);
    expect(
      sampleValue(after, 'consumer_lag_seconds_count', consumer) -
        sampleValue(before, 'consumer_lag_seconds_count', consumer),
    ).toBe(1);
    expect(sampleValue(after, 'consumer_pending_messages', consumer)).toBe(0);
  });

  test('when a malformed message arrives, then it is counted as parked', async () => {
    const consumer = { consumer: CONSUMER_NAME };
    const before = await scrape();
    const parked = (m: Sample[]) => sampleValue(m, 'consumer_messages_parked_total', consumer);
    await publish('{"not": "a booking"}');

    const after = await scrapeUntil((m) => parked(m) > parked(before));
    expect(parked(after) - parked(before)).toBe(1);
    expect(
      sampleValue(after, 'consumer_deliveries_total', { ...consumer, outcome: 'parked' }) -
        sampleValue(before, 'consumer_deliveries_total', { ...consumer, outcome: 'parked' }),
    ).toBe(1);
  });
});
