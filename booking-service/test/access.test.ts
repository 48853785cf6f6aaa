import { randomUUID } from 'node:crypto';
import {
  adminAuth,
  customerAuth,
  expectForbidden,
  expectUnauthenticated,
  hostileAuthorizations,
  mintToken,
  oneAppPerFile,
  startServiceProcess,
} from '@ebs/service-kit/testing';
import request from 'supertest';
import { availableSeats, bookingsOf, insertEvent, insertUser } from './support/fixtures';
import { createTestApp } from './support/test-app';

// docs/api.md "Access" for booking-service: a customer books for and sees only themselves; an admin all.

const t = oneAppPerFile(createTestApp);

const book = (auth: Record<string, string>, body: Record<string, unknown>) =>
  request(t.app).post('/bookings').set(auth).send(body);

describe('POST /bookings', () => {
  test('when a customer books without userId, then 201 for the token user', async () => {
    const [userId, eventId] = [await insertUser(t.pool), await insertEvent(t.pool, 5)];
    const res = await book(customerAuth(userId), { eventId, quantity: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId, eventId, quantity: 2 });
    expect(await availableSeats(t.pool, eventId)).toBe(3);
  });

  test('when a customer books giving their own userId, then 201', async () => {
    const [userId, eventId] = [await insertUser(t.pool), await insertEvent(t.pool, 5)];
    const res = await book(customerAuth(userId), { userId: userId.toUpperCase(), eventId });
    expect(res.status).toBe(201);
    expect(res.body.userId).toBe(userId);
  });

  test('when a customer books for another user, then 403 and no seat is taken', async () => {
    const [me, victim, eventId] = [await insertUser(t.pool), await insertUser(t.pool), await insertEvent(t.pool, 5)];
    expectForbidden(await book(customerAuth(me), { userId: victim, eventId, quantity: 3 }));
    expect(await availableSeats(t.pool, eventId)).toBe(5);
    expect(await bookingsOf(t.pool, eventId)).toEqual([]);
  });

  test('when an admin books for a user, then 201 for that user', async () => {
    const [userId, eventId] = [await insertUser(t.pool), await insertEvent(t.pool, 5)];
    const res = await book(adminAuth(), { userId, eventId });
    expect(res.status).toBe(201);
    expect(res.body.userId).toBe(userId);
  });

  test('when an admin books without userId, then 400 VALIDATION_FAILED naming userId and no seat is taken', async () => {
    const eventId = await insertEvent(t.pool, 5);
    const res = await book(adminAuth(), { eventId });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'userId' }] });
    expect(await availableSeats(t.pool, eventId)).toBe(5);
  });

  test('when no token is sent, then 401 with WWW-Authenticate and no seat is taken', async () => {
    const [userId, eventId] = [await insertUser(t.pool), await insertEvent(t.pool, 5)];
    expectUnauthenticated(await request(t.app).post('/bookings').send({ userId, eventId }));
    expect(await availableSeats(t.pool, eventId)).toBe(5);
  });

  test.each(hostileAuthorizations(randomUUID()))(
    'when the token is %s, then 401 and no seat is taken',
    async (_, authorization) => {
      const eventId = await insertEvent(t.pool, 5);
      const res = await request(t.app)
        .post('/bookings')
        .set('Authorization', authorization)
        .send({ userId: await insertUser(t.pool), eventId });
      expectUnauthenticated(res);
      expect(await availableSeats(t.pool, eventId)).toBe(5);
    },
  );
});

describe('GET /bookings/:id', () => {
  test('when the owner, another customer, an admin and nobody ask, then 200, 403, 200 and 401', async () => {
    const [owner, other, eventId] = [await insertUser(t.pool), await insertUser(t.pool), await insertEvent(t.pool, 5)];
    const created = (await book(customerAuth(owner), { eventId }).expect(201)).body;
    const path = `/bookings/${created.id}`;
    expect((await request(t.app).get(path).set(customerAuth(owner))).body).toEqual(created);
    expectForbidden(await request(t.app).get(path).set(customerAuth(other)));
    expect((await request(t.app).get(path).set(adminAuth())).body).toEqual(created);
    expectUnauthenticated(await request(t.app).get(path));
  });
});

describe('GET /bookings', () => {
  test('when a customer lists, then only their own bookings, with their own total', async () => {
    const [me, other, eventId] = [await insertUser(t.pool), await insertUser(t.pool), await insertEvent(t.pool, 9)];
    const mine = [];
    for (let i = 0; i < 2; i++) mine.push((await book(customerAuth(me), { eventId }).expect(201)).body.id);
    await book(customerAuth(other), { eventId }).expect(201);

    const res = await request(t.app).get('/bookings?limit=100').set(customerAuth(me));
    expect(res.status).toBe(200);
    expect(res.body.data.map((b: { id: string }) => b.id)).toEqual([...mine].reverse());
    expect(res.body.pagination.total).toBe(2);
    const filtered = await request(t.app).get(`/bookings?eventId=${eventId}`).set(customerAuth(me));
    expect(filtered.body.data.every((b: { userId: string }) => b.userId === me)).toBe(true);
    expect((await request(t.app).get(`/bookings?userId=${me}`).set(customerAuth(me))).status).toBe(200);
  });

  test("when a customer asks for another user's bookings, then 403", async () => {
    const [me, other] = [await insertUser(t.pool), await insertUser(t.pool)];
    expectForbidden(await request(t.app).get(`/bookings?userId=${other}`).set(customerAuth(me)));
  });

  test('when an admin lists, then every user’s bookings, filterable by user', async () => {
    const [a, b, eventId] = [await insertUser(t.pool), await insertUser(t.pool), await insertEvent(t.pool, 9)];
    await book(customerAuth(a), { eventId }).expect(201);
    await book(customerAuth(b), { eventId }).expect(201);
    const all = await request(t.app).get(`/bookings?eventId=${eventId}`).set(adminAuth());
    expect(all.body.pagination.total).toBe(2);
    const onlyB = await request(t.app).get(`/bookings?userId=${b}`).set(adminAuth());
    expect(onlyB.body.data.map((x: { userId: string }) => x.userId)).toEqual([b]);
  });

  test('when no token is sent, then 401', async () => {
    expectUnauthenticated(await request(t.app).get('/bookings'));
  });
});

describe('keys from user-service (AUTH_JWKS_URL)', () => {
  test('when user-service goes down after the keys were fetched, then bookings with its tokens still succeed', async () => {
    const users = await startServiceProcess({ LOG_LEVEL: 'warn' }, 'user-service');
    const viaJwks = createTestApp({ JWT_PUBLIC_KEY: '', AUTH_JWKS_URL: `${users.url}/.well-known/jwks.json` });
    try {
      const email = `jwks-${randomUUID()}@example.com`;
      const signUp = await fetch(`${users.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Jay', email, password: 'jwks password' }),
      });
      const { id: userId } = (await signUp.json()) as { id: string };
      const login = await fetch(`${users.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'jwks password' }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const eventId = await insertEvent(viaJwks.pool, 5);
      const auth = { Authorization: `Bearer ${accessToken}` };

      await request(viaJwks.app).post('/bookings').set(auth).send({ eventId }).expect(201);
      users.proc.kill('SIGKILL');
      await users.exited;

      const started = Date.now();
      const res = await request(viaJwks.app).post('/bookings').set(auth).send({ eventId });
      expect(res.status).toBe(201);
      expect(res.body.userId).toBe(userId);
      expect(Date.now() - started).toBeLessThan(1_000);
      // A key user-service never published is still refused (and the failed refetch does not hang).
      const stranger = mintToken(userId, 'customer', { kid: 'unknown-kid' });
      expectUnauthenticated(
        await request(viaJwks.app).post('/bookings').set('Authorization', `Bearer ${stranger}`).send({ eventId }),
      );
      expect(await availableSeats(viaJwks.pool, eventId)).toBe(3);
    } finally {
      if (users.proc.exitCode === null) users.proc.kill('SIGKILL');
      await viaJwks.close();
    }
  });

  test('when the JWKS was never fetched and cannot be, then 503 UNAVAILABLE (not 401, not 500)', async () => {
    const noKeys = createTestApp({ JWT_PUBLIC_KEY: '', AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json' });
    try {
      const res = await request(noKeys.app).get('/bookings').set(customerAuth(randomUUID()));
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('UNAVAILABLE');
    } finally {
      await noKeys.close();
    }
  });
});
