import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import { type OwnServer, startOwnRedis } from '@ebs/test-support';
import request from 'supertest';
import { newEventBody } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

const createEvent = async (app: TestApp['app']) =>
  (await request(app).post('/events').set(adminAuth()).send(newEventBody()).expect(201)).body as {
    id: string;
    name: string;
  };

const until = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
};

describe('when Redis is unreachable from the start', () => {
  // Port 1: nothing listens there.
  const t = oneAppPerFile(() => createTestApp({ REDIS_URL: 'redis://127.0.0.1:1' }));

  test('then GET /events/:id answers 200 from MySQL (cached false) without hanging', async () => {
    const created = await createEvent(t.app);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await request(t.app).get(`/events/${created.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: created.id, cached: false });
      expect(res.headers['x-cache']).toBe('MISS');
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  test('then PATCH still works and /ready stays 200 reporting redis down', async () => {
    const created = await createEvent(t.app);
    await request(t.app).patch(`/events/${created.id}`).set(adminAuth()).send({ name: 'Patched' }).expect(200);
    expect((await request(t.app).get(`/events/${created.id}`)).body.name).toBe('Patched');
    await request(t.app)
      .get('/ready')
      .expect(200, { status: 'ready', checks: { mysql: 'up', redis: 'down' } });
  });
});

describe('when the Redis in use stops, hangs and comes back mid-way', () => {
  let redis: OwnServer;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startOwnRedis();
    t = createTestApp({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '200' });
  });
  afterAll(async () => {
    await t.close();
    redis.signal('SIGCONT');
    await redis.stop();
  });

  test('then reads fall back to MySQL while it is gone and use the cache again once it is back', async () => {
    const created = await createEvent(t.app);
    await until(async () => (await request(t.app).get('/ready')).body.checks?.redis === 'up');
    await request(t.app).get(`/events/${created.id}`).expect(200);
    expect((await request(t.app).get(`/events/${created.id}`)).body.cached).toBe(true);

    await redis.stop();
    const started = Date.now();
    const during = await request(t.app).get(`/events/${created.id}`);
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({ id: created.id, cached: false });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await request(t.app).get('/ready')).body).toEqual({
      status: 'ready',
      checks: { mysql: 'up', redis: 'down' },
    });

    await redis.start();
    // The client reconnects by itself; the cache serves again.
    const reconnected = await until(async () => {
      const r = await request(t.app).get(`/events/${created.id}`);
      return r.status === 200 && r.body.cached === true;
    });
    expect(reconnected).toBe(true);
  });

  test('then a hung Redis costs a bounded delay, and a PATCH made meanwhile is never hidden by the old entry', async () => {
    const created = await createEvent(t.app);
    await request(t.app).get(`/events/${created.id}`).expect(200);
    expect((await request(t.app).get(`/events/${created.id}`)).body.cached).toBe(true);

    redis.signal('SIGSTOP'); // Redis holds the connection but answers nothing
    try {
      const started = Date.now();
      const slow = await request(t.app).get(`/events/${created.id}`);
      expect(slow.status).toBe(200);
      expect(slow.body.cached).toBe(false);
      expect(Date.now() - started).toBeLessThan(2_000);

      await request(t.app)
        .patch(`/events/${created.id}`)
        .set(adminAuth())
        .send({ name: 'Changed while hung' })
        .expect(200);
    } finally {
      redis.signal('SIGCONT');
    }
    // Right after the PATCH's answer and afterwards, no read returns the old name.
    for (let i = 0; i < 10; i++) {
      const r = await request(t.app).get(`/events/${created.id}`);
      expect(r.status).toBe(200);
      expect(r.body.name).toBe('Changed while hung');
      await new Promise((res) => setTimeout(res, 50));
    }
  });
});
