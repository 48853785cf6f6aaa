import { randomUUID } from 'node:crypto';
import { adminAuth, type Sample, sampleValue, scrapeMetrics } from '@ebs/service-kit/testing';
import { onOwnDatabase } from '@ebs/test-support';
import request from 'supertest';
import { insertEvent, insertUser } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = createTestApp(); // the relay stays stopped: the outbox backlog is ours to watch
  await t.nats.firstConnect;
});
afterAll(async () => {
  await t.close();
});

const scrape = (): Promise<Sample[]> => scrapeMetrics(t.app);

describe('GET /metrics', () => {
  test('when scraped, then no consumer metric is listed (booking-service consumes nothing)', async () => {
    const text = (await request(t.app).get('/metrics')).text;
    expect(text).toContain('# HELP bookings_total');
    expect(text).not.toMatch(/^# (HELP|TYPE) consumer_/m);
  });

  test('when scraped, then it parses as Prometheus text with the process metrics', async () => {
    const m = await scrape();
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  test('when a booking succeeds, then bookings_total{status=201}, lock wait, group size and the route histogram move', async () => {
    const before = await scrape();
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 2);
    expect((await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId })).status).toBe(201);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('bookings_total', { status: '201' })).toBe(1);
    expect(moved('booking_lock_wait_seconds_count')).toBe(1);
    expect(moved('booking_group_size_count')).toBe(1);
    expect(moved('booking_group_size_sum')).toBe(1);
    const route = { method: 'POST', route: '/bookings', status: '201' };
    expect(moved('http_request_duration_seconds_count', route)).toBe(1);
    expect(moved('http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(1);
  });

  test('when bookings are refused, then bookings_total counts 404 and 409 by status', async () => {
    const before = await scrape();
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 1);
    expect(
      (await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId, quantity: 2 })).status,
    ).toBe(409);
    expect(
      (await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId: randomUUID() })).status,
    ).toBe(404);

    const after = await scrape();
    for (const status of ['404', '409']) {
      expect(sampleValue(after, 'bookings_total', { status }) - sampleValue(before, 'bookings_total', { status })).toBe(
        1,
      );
    }
  });

  test('when requests name ids and unknown paths, then the route label is the template or "unmatched", never the raw path', async () => {
    const id = randomUUID();
    expect((await request(t.app).get(`/bookings/${id}`).set(adminAuth())).status).toBe(404);
    expect((await request(t.app).get(`/no/such/${id}`)).status).toBe(404);

    const m = await scrape();
    expect(sampleValue(m, 'http_request_duration_seconds_count', { route: '/bookings/:id', status: '404' })).toBe(1);
    expect(sampleValue(m, 'http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBe(1);
    expect(m.some((s) => Object.values(s.labels).some((v) => v.includes(id)))).toBe(false);
  });

  test('when a booking waits in the outbox, then outbox_backlog counts it and outbox_oldest_age_seconds is its age; publishing clears both', async () => {
    // The gauge counts the whole outbox table. Suites of one jest worker share its database one after another
    // (each worker has its own): rows earlier suites left unpublished (some leased by a relay that was killed on
    // purpose) are set aside, so the backlog seen below is this test's alone.
    await t.pool.query('UPDATE outbox SET published_at = CURRENT_TIMESTAMP(3) WHERE published_at IS NULL');
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 1);
    expect((await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId })).status).toBe(201);

    const waiting = await scrape();
    expect(sampleValue(waiting, 'outbox_backlog')).toBe(1);
    expect(sampleValue(waiting, 'outbox_oldest_age_seconds')).toBeGreaterThan(0);

    expect((await t.relay.relayOnce()).published).toBe(1);
    const cleared = await scrape();
    expect(sampleValue(cleared, 'outbox_backlog')).toBe(0);
    expect(sampleValue(cleared, 'outbox_oldest_age_seconds')).toBe(0);
  });
});

describe('GET /metrics of holds and the waitlist', () => {
  // A database of its own: a sweep expires every due hold of its database, and waitlist_waiting counts every
  // entry, so no hold or entry another suite left behind can move them here. Last in the file: the gauges then
  // read this app's database.
  let own: TestApp;
  beforeAll(async () => {
    own = await onOwnDatabase(createTestApp);
  });
  afterAll(async () => {
    await own.close();
  });

  test('when holds are made, confirmed, left to expire and a seat is offered to the waitlist, then holds_total, hold_release_delay_seconds, waitlist_offers_total and waitlist_waiting move by exactly that', async () => {
    const before = await scrapeMetrics(own.app);
    const [holder, expirer, waiter] = await Promise.all([
      insertUser(own.pool),
      insertUser(own.pool),
      insertUser(own.pool),
    ]);
    const eventId = await insertEvent(own.pool, 2);
    const hold = (userId: string) =>
      request(own.app).post('/bookings').set(adminAuth()).send({ userId, eventId, hold: true });
    const kept = await hold(holder);
    const lapsing = await hold(expirer);
    expect([kept.status, lapsing.status]).toEqual([201, 201]);
    const joined = await request(own.app).post('/waitlist').set(adminAuth()).send({ userId: waiter, eventId });
    expect(joined.status).toBe(201);
    expect(
      sampleValue(await scrapeMetrics(own.app), 'waitlist_waiting') - sampleValue(before, 'waitlist_waiting'),
    ).toBe(1);
    expect((await request(own.app).post(`/bookings/${kept.body.id}/confirm`).set(adminAuth()).send({})).status).toBe(
      200,
    );
    // The second hold's deadline is moved to the past (as time would): the sweep releases it to the waiter.
    await own.pool.query('UPDATE bookings SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 2 SECOND WHERE id = ?', [
      lapsing.body.id,
    ]);
    expect(await own.sweeper.sweepOnce()).toBe(1);

    const after = await scrapeMetrics(own.app);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    // created: the two holds and the one made for the waiter's offer.
    expect(moved('holds_total', { outcome: 'created' })).toBe(3);
    expect(moved('holds_total', { outcome: 'confirmed' })).toBe(1);
    expect(moved('holds_total', { outcome: 'expired' })).toBe(1);
    expect(moved('waitlist_offers_total', { outcome: 'made' })).toBe(1);
    expect(moved('hold_release_delay_seconds_count')).toBe(1);
    // Released 2 s after its deadline (and a sweep later than that, never before it).
    expect(moved('hold_release_delay_seconds_sum')).toBeGreaterThanOrEqual(2);
    expect(moved('hold_release_delay_seconds_sum')).toBeLessThan(60);
    expect(moved('waitlist_waiting')).toBe(0);
  });
});
