import { randomUUID } from 'node:crypto';
import { adminAuth, oneAppPerFile, type Sample, sampleValue, scrapeMetrics } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createTestApp } from './support/test-app';

const t = oneAppPerFile(createTestApp);

const scrape = (): Promise<Sample[]> => scrapeMetrics(t.app);

describe('GET /metrics', () => {
  test('when scraped, then it parses as Prometheus text with the process metrics', async () => {
    const m = await scrape();
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('when users are created and read, then http_request_duration_seconds moves under the route templates', async () => {
    const before = await scrape();
    const created = await request(t.app)
      .post('/users')
      .send({ name: 'Metered', email: `${randomUUID()}@example.com`, password: 'metered-password' });
    expect(created.status).toBe(201);
    expect((await request(t.app).get(`/users/${created.body.id}`).set(adminAuth())).status).toBe(200);
    expect((await request(t.app).get(`/users/${randomUUID()}`).set(adminAuth())).status).toBe(404);

    const after = await scrape();
    const moved = (labels: Record<string, string>) =>
      sampleValue(after, 'http_request_duration_seconds_count', labels) -
      sampleValue(before, 'http_request_duration_seconds_count', labels);
    expect(moved({ method: 'POST', route: '/users', status: '201' })).toBe(1);
    expect(moved({ method: 'GET', route: '/users/:id', status: '200' })).toBe(1);
    expect(moved({ method: 'GET', route: '/users/:id', status: '404' })).toBe(1);
    expect(after.some((s) => s.labels.route?.includes(created.body.id))).toBe(false);
  });

  test('when a path matches no route, then it is counted under route "unmatched"', async () => {
    const before = await scrape();
    expect((await request(t.app).get(`/whatever/${randomUUID()}`)).status).toBe(404);
    const after = await scrape();
    const labels = { method: 'GET', route: 'unmatched', status: '404' };
    expect(
      sampleValue(after, 'http_request_duration_seconds_count', labels) -
        sampleValue(before, 'http_request_duration_seconds_count', labels),
    ).toBe(1);
  });
});
