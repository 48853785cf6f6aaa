import { randomUUID } from 'node:crypto';
import {
  adminAuth,
  customerAuth,
  expectForbidden,
  expectUnauthenticated,
  hostileAuthorizations,
  oneAppPerFile,
} from '@ebs/service-kit/testing';
import request from 'supertest';
import { newEventBody, seatsOf } from './support/fixtures';
import { createTestApp } from './support/test-app';

// docs/api.md "Access" for event-service: reads are public, POST and PATCH /events are for admins.

const t = oneAppPerFile(createTestApp);

const countByName = async (name: string): Promise<number> => {
  const [rows] = await t.pool.query('SELECT COUNT(*) AS n FROM events WHERE name = ?', [name]);
  return Number((rows as Array<{ n: number }>)[0]?.n);
};

const createEvent = async () =>
  (await request(t.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201)).body as {
    id: string;
    name: string;
  };

describe('POST /events', () => {
  test('when an admin creates an event, then 201', async () => {
    const body = newEventBody();
    const res = await request(t.app).post('/events').set(adminAuth()).send(body);
    expect(res.status).toBe(201);
    expect(await countByName(body.name)).toBe(1);
  });

  test('when no token is sent, then 401 UNAUTHENTICATED with WWW-Authenticate and nothing is stored', async () => {
    const body = newEventBody();
    expectUnauthenticated(await request(t.app).post('/events').send(body));
    expect(await countByName(body.name)).toBe(0);
  });

  test('when a customer creates an event, then 403 FORBIDDEN and nothing is stored', async () => {
    const body = newEventBody();
    expectForbidden(await request(t.app).post('/events').set(customerAuth(randomUUID())).send(body));
    expect(await countByName(body.name)).toBe(0);
  });

  test('when the body is invalid and no token is sent, then 401 (authentication comes first)', async () => {
    expectUnauthenticated(await request(t.app).post('/events').send({ bogus: true }));
  });

  test.each(hostileAuthorizations(randomUUID()))(
    'when the token is %s, then 401 UNAUTHENTICATED and nothing is stored',
    async (_, authorization) => {
      const body = newEventBody();
      expectUnauthenticated(await request(t.app).post('/events').set('Authorization', authorization).send(body));
      expect(await countByName(body.name)).toBe(0);
    },
  );
});

describe('PATCH /events/:id', () => {
  test('when an admin changes an event, then 200 and the change is stored', async () => {
    const created = await createEvent();
    const res = await request(t.app).patch(`/events/${created.id}`).set(adminAuth()).send({ totalSeats: 4 });
    expect(res.status).toBe(200);
    expect(await seatsOf(t.pool, created.id)).toEqual({ total: 4, available: 4 });
  });

  test('when no token is sent, then 401 and the event is unchanged', async () => {
    const created = await createEvent();
    expectUnauthenticated(await request(t.app).patch(`/events/${created.id}`).send({ totalSeats: 1 }));
    expect(await seatsOf(t.pool, created.id)).toEqual({ total: 10, available: 10 });
  });

  test('when a customer changes an event, then 403 and the event is unchanged', async () => {
    const created = await createEvent();
    const res = await request(t.app)
      .patch(`/events/${created.id}`)
      .set(customerAuth(randomUUID()))
      .send({ totalSeats: 1, name: 'Hijacked' });
    expectForbidden(res);
    expect(await seatsOf(t.pool, created.id)).toEqual({ total: 10, available: 10 });
    expect(await countByName('Hijacked')).toBe(0);
  });
});

describe('reads are public', () => {
  test('when anyone lists or reads events without a token, then 200', async () => {
    const created = await createEvent();
    await request(t.app).get('/events').expect(200);
    await request(t.app).get(`/events/${created.id}`).expect(200);
  });

  test('when a token is garbage on a public read, then it is ignored and the read answers 200', async () => {
    const created = await createEvent();
    await request(t.app).get(`/events/${created.id}`).set('Authorization', 'Bearer garbage').expect(200);
  });
});
