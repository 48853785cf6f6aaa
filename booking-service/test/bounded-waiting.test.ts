import { withTransaction } from '@ebs/service-kit/db';
import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import request from 'supertest';
import { availableSeats, insertEvent, insertUser } from './support/fixtures';
import { createTestApp } from './support/test-app';

const t = oneAppPerFile(createTestApp);

describe('bounded waiting', () => {
  test('when another transaction holds the event row lock, then POST answers 503 within the bound and succeeds after', async () => {
    const bounded = createTestApp({ LOCK_WAIT_TIMEOUT_SECONDS: '1' });
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 5);
    const holder = await t.pool.getConnection();
    try {
      await holder.beginTransaction();
      await holder.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [eventId]);
      const started = Date.now();
      const res = await request(bounded.app).post('/bookings').set(adminAuth()).send({ userId, eventId });
      // The group is run again after each lock wait timeout (3 rounds of 1 s), then answered busy.
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: { code: 'UNAVAILABLE', message: 'The booking service is busy, try again shortly' },
      });
      expect(res.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await availableSeats(t.pool, eventId)).toBe(5);
      await holder.rollback();
      const after = await request(bounded.app).post('/bookings').set(adminAuth()).send({ userId, eventId });
      expect(after.status).toBe(201);
      expect(await availableSeats(t.pool, eventId)).toBe(4);
    } finally {
      holder.release();
      await bounded.close();
    }
  });

  test('when two transactions deadlock, then the victim is run again and both complete', async () => {
    const [e1, e2] = [await insertEvent(t.pool, 10), await insertEvent(t.pool, 10)];
    let attempts = 0;
    const lockBoth = (first: string, second: string, count: boolean) =>
      withTransaction(t.pool, async (conn) => {
        if (count) attempts++;
        await conn.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [first]);
        await new Promise((r) => setTimeout(r, 150)); // both now hold their first row
        await conn.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [second]);
        await conn.query('UPDATE events SET available_seats = available_seats - 1 WHERE id IN (?, ?)', [first, second]);
      });
    await Promise.all([lockBoth(e1, e2, true), lockBoth(e2, e1, true)]);
    expect(attempts).toBe(3); // two first tries, one of them a deadlock victim run again
    expect(await availableSeats(t.pool, e1)).toBe(8);
    expect(await availableSeats(t.pool, e2)).toBe(8);
  });

  test('when a transaction keeps deadlocking, then it gives up after 3 attempts', async () => {
    let attempts = 0;
    await expect(
      withTransaction(t.pool, async () => {
        attempts++;
        throw Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' });
      }),
    ).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(attempts).toBe(3);
  });
});

describe('connection hygiene', () => {
  test('when every failure path runs on a pool of one connection, then the connection is released each time', async () => {
    const single = createTestApp({ MYSQL_POOL_SIZE: '1', LOCK_WAIT_TIMEOUT_SECONDS: '1' });
    try {
      const userId = await insertUser(t.pool);
      const eventId = await insertEvent(t.pool, 1);
      const { randomUUID } = await import('node:crypto');
      // 404 user, 404 event, 201, 409 sold out, 400: each must give the one connection back.
      const codes: number[] = [];
      for (const body of [
        { userId: randomUUID(), eventId },
        { userId, eventId: randomUUID() },
        { userId, eventId },
        { userId, eventId },
        { userId, eventId, quantity: 0 },
        { userId, eventId: randomUUID() },
      ]) {
        codes.push((await request(single.app).post('/bookings').set(adminAuth()).send(body)).status);
      }
      expect(codes).toEqual([404, 404, 201, 409, 400, 404]);
      // With the one connection leaked, this would wait for ever (and the test time out).
      const [rows] = await single.pool.query('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await single.close();
    }
  });
});
