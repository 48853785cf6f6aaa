import { randomUUID } from 'node:crypto';
import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { ISO_MS_Z, newEventBody, seatsOf } from './support/fixtures';
import { createTestApp, createTestAppOnOwnDatabase } from './support/test-app';

const t = oneAppPerFile(createTestApp);
// Tests about the whole events table (exact totals, newest first, nothing stored) run on a database of
// their own: suites in other workers add events to the run's database at any time.
const own = oneAppPerFile(createTestAppOnOwnDatabase);

async function countEvents(): Promise<number> {
  const [rows] = await own.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM events');
  return Number(rows[0]?.n);
}

describe('POST /events', () => {
  test('when the body is valid, then 201 with every seat available and the row stored', async () => {
    const body = newEventBody({ totalSeats: 250, startsAt: '2099-06-01T21:30:00+02:00' });
    const res = await request(t.app).post('/events').set(adminAuth()).send(body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: body.name,
      description: 'An evening of music',
      venue: 'Main Hall',
      startsAt: '2099-06-01T19:30:00.000Z',
      totalSeats: 250,
      availableSeats: 250,
      createdAt: expect.stringMatching(ISO_MS_Z),
      updatedAt: res.body.createdAt,
    });
    expect(await seatsOf(t.pool, res.body.id)).toEqual({ total: 250, available: 250 });
  });

  test('when description and venue are left out, then they are null', async () => {
    const res = await request(t.app)
      .post('/events')
      .set(adminAuth())
      .send({ name: 'Bare', startsAt: '2099-01-01T00:00:00Z', totalSeats: 1 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ description: null, venue: null, totalSeats: 1, availableSeats: 1 });
  });

  test('when totalSeats is 1000000 (the maximum), then it is accepted', async () => {
    const res = await request(t.app)
      .post('/events')
      .set(adminAuth())
      .send(newEventBody({ totalSeats: 1_000_000 }));
    expect(res.status).toBe(201);
  });

  test('when strings look like SQL or markup, then they are stored verbatim', async () => {
    const name = `'; DROP TABLE events; -- <img src=x onerror=alert(1)>`;
    const res = await request(t.app)
      .post('/events')
      .set(adminAuth())
      .send(newEventBody({ name, venue: '%_\\' }));
    expect(res.status).toBe(201);
    const read = await request(t.app).get(`/events/${res.body.id}`).expect(200);
    expect(read.body).toMatchObject({ name, venue: '%_\\' });
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['name is missing', { name: undefined }, 'name'],
    ['name is blank', { name: '  ' }, 'name'],
    ['name is 201 characters', { name: 'x'.repeat(201) }, 'name'],
    ['description is 2001 characters', { description: 'x'.repeat(2001) }, 'description'],
    ['venue is a number', { venue: 7 }, 'venue'],
    ['startsAt is missing', { startsAt: undefined }, 'startsAt'],
    ['startsAt is not a date', { startsAt: 'tomorrow evening' }, 'startsAt'],
    ['startsAt has no time zone', { startsAt: '2099-06-01T19:30:00' }, 'startsAt'],
    ['startsAt is not a real day', { startsAt: '2099-02-30T19:30:00Z' }, 'startsAt'],
    ['startsAt is a number', { startsAt: 1700000000000 }, 'startsAt'],
    ['startsAt is in the past', { startsAt: '2020-01-01T19:30:00Z' }, 'startsAt'],
    ['startsAt is a second ago', { startsAt: new Date(Date.now() - 1_000).toISOString() }, 'startsAt'],
    ['totalSeats is 0', { totalSeats: 0 }, 'totalSeats'],
    ['totalSeats is 1000001', { totalSeats: 1_000_001 }, 'totalSeats'],
    ['totalSeats is a fraction', { totalSeats: 1.5 }, 'totalSeats'],
    ['totalSeats is a string', { totalSeats: '10' }, 'totalSeats'],
    ['totalSeats is negative', { totalSeats: -5 }, 'totalSeats'],
    ['availableSeats is sent', { availableSeats: 5 }, 'availableSeats'],
  ];
  test.each(invalid)(
    'when %s, then 400 VALIDATION_FAILED naming it and nothing is stored',
    async (_, change, field) => {
      const before = await countEvents();
      const res = await request(own.app).post('/events').set(adminAuth()).send(newEventBody(change));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details).toEqual([{ field, message: expect.any(String) }]);
      expect(await countEvents()).toBe(before);
    },
  );

  test('when the JSON is malformed, then 400 INVALID_JSON', async () => {
    const res = await request(t.app)
      .post('/events')
      .set(adminAuth())
      .set('Content-Type', 'application/json')
      .send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_JSON', message: expect.any(String) } });
  });

  test('when the body is over 100 kB, then 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(t.app)
      .post('/events')
      .set(adminAuth())
      .send(newEventBody({ description: 'x'.repeat(110_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('GET /events', () => {
  test('when events exist, then newest first with the exact total', async () => {
    const before = (await request(own.app).get('/events').expect(200)).body.pagination.total;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await request(own.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201)).body.id);
    const res = await request(own.app).get('/events?limit=2&offset=0');
    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ limit: 2, offset: 0, total: before + 3 });
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const next = await request(own.app).get('/events?limit=2&offset=2');
    expect(next.body.data[0].id).toBe(ids[0]);
    expect(next.body.data[0]).not.toHaveProperty('cached');
  });

  test.each(['limit=0', 'limit=101', 'offset=-1', 'limit=ten'])('when ?%s, then 400 VALIDATION_FAILED', async (q) => {
    const res = await request(t.app).get(`/events?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /events/:id', () => {
  test.each([
    ['unknown', randomUUID()],
    ['malformed', 'abc'],
  ])('when the id is %s, then 404 NOT_FOUND', async (_, id) => {
    const res = await request(t.app).get(`/events/${id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});

describe('PATCH /events/:id', () => {
  test('when fields change, then 200 with them and updatedAt moves', async () => {
    const created = (await request(t.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201)).body;
    await new Promise((r) => setTimeout(r, 5));
    const res = await request(t.app)
      .patch(`/events/${created.id}`)
      .set(adminAuth())
      .send({ name: 'Renamed', venue: null, startsAt: '2098-01-01T10:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: created.id,
      name: 'Renamed',
      venue: null,
      description: created.description,
      startsAt: '2098-01-01T10:00:00.000Z',
      totalSeats: 10,
      availableSeats: 10,
      createdAt: created.createdAt,
    });
    expect(res.body.updatedAt > created.updatedAt).toBe(true);
  });

  test.each<[string, unknown, string]>([
    ['the body is empty', {}, '(body)'],
    ['totalSeats is 0', { totalSeats: 0 }, 'totalSeats'],
    ['name is null', { name: null }, 'name'],
    ['an unknown field is sent', { availableSeats: 3 }, 'availableSeats'],
    ['startsAt moves into the past', { startsAt: '2020-01-01T19:30:00Z' }, 'startsAt'],
  ])('when %s, then 400 VALIDATION_FAILED and nothing changes', async (_, body, field) => {
    const created = (await request(t.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201)).body;
    const res = await request(t.app)
      .patch(`/events/${created.id}`)
      .set(adminAuth())
      .send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    const after = await request(t.app).get(`/events/${created.id}`).expect(200);
    expect(after.body).toMatchObject({ name: created.name, totalSeats: 10, availableSeats: 10 });
  });

  test('when the event is unknown, then 404 NOT_FOUND', async () => {
    const res = await request(t.app).patch(`/events/${randomUUID()}`).set(adminAuth()).send({ name: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
