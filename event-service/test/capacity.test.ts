import { randomUUID } from 'node:crypto';
import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import request from 'supertest';
import { bookDirectly, newEventBody, seatsOf } from './support/fixtures';
import { createTestApp } from './support/test-app';

const t = oneAppPerFile(createTestApp);

const createEvent = async (totalSeats: number) =>
  (await request(t.app).post('/events').set(adminAuth()).send(newEventBody({ totalSeats })).expect(201)).body as {
    id: string;
  };

describe('PATCH totalSeats', () => {
  test('when seats were booked, then a new total moves availableSeats by the same amount', async () => {
    const { id } = await createEvent(10);
    expect(await bookDirectly(t.pool, id, 4)).toBe(true);
    const res = await request(t.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: 12 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalSeats: 12, availableSeats: 8 });
    expect(await seatsOf(t.pool, id)).toEqual({ total: 12, available: 8 });
  });

  test('when the new total is below the seats booked, then 409 CONFLICT and nothing changes', async () => {
    const { id } = await createEvent(10);
    expect(await bookDirectly(t.pool, id, 6)).toBe(true);
    const res = await request(t.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: 5, name: 'Smaller' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'CONFLICT', message: expect.stringContaining('6 seats') } });
    expect(await seatsOf(t.pool, id)).toEqual({ total: 10, available: 4 });
    expect((await request(t.app).get(`/events/${id}`)).body.name).not.toBe('Smaller');
  });

  test('when the new total equals the seats booked, then it is accepted with none available', async () => {
    const { id } = await createEvent(10);
    expect(await bookDirectly(t.pool, id, 6)).toBe(true);
    const res = await request(t.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: 6 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalSeats: 6, availableSeats: 0 });
  });

  test('when 20 PATCHes raise the total by 20 at once, then total and available are up by exactly 20', async () => {
    // totalSeats is absolute (docs/api.md): every request asks for base + 20. Without the row lock, each
    // would add its own +20 delta to availableSeats; with it, the first moves both by 20 and the rest by 0.
    const { id } = await createEvent(10);
    expect(await bookDirectly(t.pool, id, 3)).toBe(true);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => request(t.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: 30 })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await seatsOf(t.pool, id)).toEqual({ total: 30, available: 27 });
  });

  test('when PATCHes of the total and bookings race, then 0 <= available <= total and booked seats add up', async () => {
    const { id } = await createEvent(20);
    const totals = Array.from({ length: 20 }, (_, i) => 20 + i);
    const results = await Promise.all([
      ...totals.map((total) => request(t.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: total })),
      ...Array.from({ length: 30 }, () => bookDirectly(t.pool, id, 1)),
    ]);
    const booked = results.filter((r) => r === true).length;
    const patchStatuses = results.filter((r) => typeof r === 'object').map((r) => (r as { status: number }).status);
    expect(patchStatuses.every((s) => s === 200 || s === 409)).toBe(true);
    const seats = await seatsOf(t.pool, id);
    expect(seats.available).toBeGreaterThanOrEqual(0);
    expect(seats.available).toBeLessThanOrEqual(seats.total);
    expect(seats.total - seats.available).toBe(booked);
    expect(totals).toContain(seats.total);
  });

  test('when another transaction holds the event row lock, then PATCH answers 503 within the bound and works after', async () => {
    const bounded = createTestApp({ LOCK_WAIT_TIMEOUT_SECONDS: '1' });
    const { id } = await createEvent(10);
    const holder = await t.pool.getConnection();
    try {
      await holder.beginTransaction();
      await holder.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [id]);
      const started = Date.now();
      const res = await request(bounded.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: 11 });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
      expect(Date.now() - started).toBeLessThan(5_000);
      await holder.rollback();
      const after = await request(bounded.app).patch(`/events/${id}`).set(adminAuth()).send({ totalSeats: 11 });
      expect(after.status).toBe(200);
      expect(after.body.availableSeats).toBe(11);
    } finally {
      holder.release();
      await bounded.close();
    }
  });

  test('when the event does not exist, then PATCH of the total is 404', async () => {
    const res = await request(t.app).patch(`/events/${randomUUID()}`).set(adminAuth()).send({ totalSeats: 5 });
    expect(res.status).toBe(404);
  });
});
