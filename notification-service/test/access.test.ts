import { randomUUID } from 'node:crypto';
import { adminAuth, customerAuth, hostileAuthorizations, oneAppPerFile } from '@ebs/service-kit/testing';
import request from 'supertest';
import { seedNotification } from './support/fixtures';
import { createTestApp } from './support/test-app';

// docs/api.md "Access" for notification-service: a customer sees their own notifications, an admin all.

const t = oneAppPerFile(createTestApp);

const seed = (userId: string): Promise<string> => seedNotification(t.pool, userId);

const ids = (res: request.Response) => res.body.data.map((n: { bookingId: string }) => n.bookingId);

describe('GET /notifications', () => {
  test('when a customer lists without filters, then only their own, with their own total', async () => {
    const [me, other] = [randomUUID(), randomUUID()];
    const mine = [await seed(me), await seed(me)];
    const theirs = await seed(other);
    const res = await request(t.app).get('/notifications?limit=100').set(customerAuth(me));
    expect(res.status).toBe(200);
    expect(ids(res).sort()).toEqual([...mine].sort());
    expect(res.body.pagination.total).toBe(2);
    const byBooking = await request(t.app).get(`/notifications?bookingId=${theirs}`).set(customerAuth(me));
    expect(byBooking.status).toBe(200);
    expect(byBooking.body.data).toEqual([]);
  });

  test("when a customer asks for another user's notifications, then 403 FORBIDDEN", async () => {
    const [me, other] = [randomUUID(), randomUUID()];
    await seed(other);
    const res = await request(t.app).get(`/notifications?userId=${other}`).set(customerAuth(me));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
  });

  test('when a customer asks for their own userId, then 200 with theirs', async () => {
    const me = randomUUID();
    const mine = await seed(me);
    const res = await request(t.app).get(`/notifications?userId=${me}`).set(customerAuth(me));
    expect(ids(res)).toEqual([mine]);
  });

  test('when an admin lists, then anyone’s, filterable by user', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const [na, nb] = [await seed(a), await seed(b)];
    expect(ids(await request(t.app).get(`/notifications?userId=${a}`).set(adminAuth()))).toEqual([na]);
    expect(ids(await request(t.app).get(`/notifications?bookingId=${nb}`).set(adminAuth()))).toEqual([nb]);
  });

  test('when no token is sent, then 401 UNAUTHENTICATED with WWW-Authenticate', async () => {
    const res = await request(t.app).get('/notifications');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test.each(hostileAuthorizations(randomUUID()))('when the token is %s, then 401', async (_, authorization) => {
    const res = await request(t.app).get('/notifications').set('Authorization', authorization);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });
});
