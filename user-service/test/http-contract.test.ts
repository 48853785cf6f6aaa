import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

const t = oneAppPerFile(createTestApp);

describe('error bodies', () => {
  test('when the JSON is malformed, then 400 INVALID_JSON in the contract shape', async () => {
    const res = await request(t.app).post('/users').set('Content-Type', 'application/json').send('{"name": "A",');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_JSON', message: expect.any(String) } });
  });

  test('when the JSON is a bare string, then 400 INVALID_JSON', async () => {
    const res = await request(t.app).post('/users').set('Content-Type', 'application/json').send('"hello"');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });

  test('when the body is over 100 kB, then 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(t.app)
      .post('/users')
      .send({ name: 'x'.repeat(101 * 1024), email: 'big@example.com' });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
  });

  test('when the route is unknown, then 404 NOT_FOUND', async () => {
    const res = await request(t.app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  test('when the method is not served on a known route, then 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await request(t.app).delete('/users');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(res.body).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } });
  });

  test('when an error body is sent, then it never shows a stack trace or SQL', async () => {
    const res = await request(t.app).post('/users').set('Content-Type', 'application/json').send('{bad');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+|SELECT|INSERT/);
  });
});

describe('request ids', () => {
  test('when the caller sends X-Request-Id, then the response echoes it', async () => {
    const res = await request(t.app).get('/health').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  test('when the caller sends none, then the response carries a new one, different each time', async () => {
    const a = await request(t.app).get('/health');
    const b = await request(t.app).get('/nope');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  test('when the caller sends an unsafe id, then it is replaced', async () => {
    const res = await request(t.app).get('/health').set('X-Request-Id', 'a b;c');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health and readiness', () => {
  test('when MySQL is up, then /health is ok and /ready is ready with mysql up', async () => {
    await request(t.app).get('/health').expect(200, { status: 'ok' });
    await request(t.app)
      .get('/ready')
      .expect(200, { status: 'ready', checks: { mysql: 'up' } });
  });

  describe('when MySQL is unreachable', () => {
    let down: TestApp;
    beforeAll(() => {
      // Port 1 on loopback: nothing listens, connections are refused at once.
      down = createTestApp({ MYSQL_PORT: '1' });
    });
    afterAll(async () => {
      await down.close();
    });

    test('then /health is still ok and /ready is 503 with mysql down', async () => {
      await request(down.app).get('/health').expect(200, { status: 'ok' });
      await request(down.app)
        .get('/ready')
        .expect(503, { status: 'unavailable', checks: { mysql: 'down' } });
    });

    test('then a request needing it answers 503 UNAVAILABLE, not 500', async () => {
      const res = await request(down.app)
        .post('/users')
        .send({ name: 'A', email: 'down@example.com', password: 'long enough' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
      const list = await request(down.app).get('/users').set(adminAuth());
      expect(list.status).toBe(503);
    });
  });

  describe('when MySQL refuses the service account (wrong password)', () => {
    let refused: TestApp;
    beforeAll(() => {
      refused = createTestApp({ MYSQL_PASSWORD: 'not-the-password' });
    });
    afterAll(async () => {
      await refused.close();
    });

    test('then /ready is 503 with mysql down and a login answers 503 UNAVAILABLE, not 500', async () => {
      await request(refused.app)
        .get('/ready')
        .expect(503, { status: 'unavailable', checks: { mysql: 'down' } });
      const res = await request(refused.app)
        .post('/auth/token')
        .send({ email: 'refused@example.com', password: 'long enough' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
    });
  });
});
