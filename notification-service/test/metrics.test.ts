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
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import { confirmedPayload } from './support/fixtures';
import { createTestApp } from './support/test-app';

// booking-service creates the stream; this service only looks it up.
const stream = bookingsStreamPerFile();
const t = oneAppPerFile(async () => {
  const app = createTestApp();
  await app.nats.firstConnect;
  return app;
});

const scrape = (): Promise<Sample[]> => scrapeMetrics(t.app);

const scrapeUntil = (check: (m: Sample[]) => boolean): Promise<Sample[]> => scrapeMetricsUntil(t.app, check);

describe('GET /metrics', () => {
  test('when a booking message is consumed, then consumer deliveries (ack), lag and the stored notification show', async () => {
    const consumer = { consumer: CONSUMER_NAME };
    const acked = (m: Sample[]) => sampleValue(m, 'consumer_deliveries_total', { ...consumer, outcome: 'ack' });
    const before = await scrape();
    const p = confirmedPayload();
    const h = headers();
    h.set('X-Request-Id', 'metrics-notify-1');
    await stream.nc.jetstream().publish('bookings.confirmed', new TextEncoder().encode(JSON.stringify(p)), {
      msgID: `${p.bookingId}.confirmed`,
      headers: h,
    });

    // Other suites of this run may have left messages for the same durable consumer: wait for ours.
    const stored = async () =>
      (await request(t.app).get(`/notifications?bookingId=${p.bookingId}`).set(adminAuth())).body.data?.length === 1;
    const deadline = Date.now() + 10_000;
    while (!(await stored()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(true);
    const after = await scrape();
    expect(acked(after) - acked(before)).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, 'consumer_lag_seconds_count', consumer) -
        sampleValue(before, 'consumer_lag_seconds_count', consumer),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  test('when a malformed message arrives, then consumer_messages_parked_total moves', async () => {
    const consumer = { consumer: CONSUMER_NAME };
    const parked = (m: Sample[]) => sampleValue(m, 'consumer_messages_parked_total', consumer);
    const before = await scrape();
    await stream.nc.jetstream().publish('bookings.confirmed', new TextEncoder().encode('not json'), {
      msgID: `bad-${Date.now()}`,
    });
    const after = await scrapeUntil((m) => parked(m) > parked(before));
    expect(parked(after) - parked(before)).toBe(1);
  });
});
