import { randomUUID } from 'node:crypto';
import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createNotificationsRepo } from '../src/data/notifications.repo';
import { seedNotification } from './support/fixtures';
import { createTestApp } from './support/test-app';

const t = oneAppPerFile(createTestApp);

async function seed(userId: string, bookingId = randomUUID()): Promise<string> {
  await seedNotification(t.pool, userId, bookingId);
  await new Promise((r) => setTimeout(r, 2)); // distinct createdAt, so "newest first" is observable
  return bookingId;
}

describe('GET /notifications', () => {
  test('when filtered by user, then only theirs, newest first, with the exact total', async () => {
    const [u1, u2] = [randomUUID(), randomUUID()];
    const b1 = await seed(u1);
    await seed(u2);
    const b3 = await seed(u1);
    const res = await request(t.app).get(`/notifications?userId=${u1}`).set(adminAuth());
    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ limit: 20, offset: 0, total: 2 });
    expect(res.body.data.map((n: { bookingId: string }) => n.bookingId)).toEqual([b3, b1]);
    expect(res.body.data[0]).toEqual({
      id: expect.any(String),
      type: 'booking.confirmed',
      bookingId: b3,
      userId: u1,
      eventId: expect.any(String),
      message: 'Your booking of 1 seat is confirmed.',
      createdAt: expect.stringMatching(/Z$/),
    });
  });

  test('when filtered by booking and user with paging, then the match and totals are exact', async () => {
    const u = randomUUID();
    const b = await seed(u);
    const res = await request(t.app).get(`/notifications?bookingId=${b}&userId=${u}&limit=1&offset=0`).set(adminAuth());
    expect(res.body).toMatchObject({ pagination: { limit: 1, offset: 0, total: 1 } });
    expect(res.body.data[0].bookingId).toBe(b);
    const none = await request(t.app).get(`/notifications?bookingId=${b}&userId=${randomUUID()}`).set(adminAuth());
    expect(none.body).toEqual({ data: [], pagination: { limit: 20, offset: 0, total: 0 } });
  });

  test('when a batch repeats a stored (booking, type) and itself, then only the new type is added, once', async () => {
    const repo = createNotificationsRepo(t.pool);
    const n = {
      id: randomUUID(),
      type: 'booking.confirmed' as const,
      bookingId: randomUUID(),
      userId: randomUUID(),
      eventId: randomUUID(),
      message: 'm',
      createdAt: new Date(),
    };
    await repo.insertMany([n]);
    const cancelled = { ...n, type: 'booking.cancelled' as const, message: 'c' };
    await repo.insertMany([
      { ...n, id: randomUUID(), message: 'second' },
      { ...cancelled, id: randomUUID() },
      { ...cancelled, id: randomUUID(), message: 'again' },
    ]);
    const res = await request(t.app).get(`/notifications?bookingId=${n.bookingId}`).set(adminAuth());
    expect(res.body.data.map((d: { type: string; message: string }) => [d.type, d.message]).sort()).toEqual([
      ['booking.cancelled', 'c'],
      ['booking.confirmed', 'm'],
    ]);
  });

  test.each(['userId=abc', 'bookingId=1', 'limit=0', 'limit=101', 'offset=-1'])(
    'when ?%s, then 400 VALIDATION_FAILED',
    async (q) => {
      const res = await request(t.app).get(`/notifications?${q}`).set(adminAuth());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    },
  );

  test('when an unknown route is asked, then 404 NOT_FOUND; /ready reports mysql and nats', async () => {
    expect((await request(t.app).get('/notifications/x').set(adminAuth())).status).toBe(404);
    await t.nats.firstConnect;
    await request(t.app)
      .get('/ready')
      .expect(200, { status: 'ready', checks: { mysql: 'up', nats: 'up' } });
  });
});
