import { randomUUID } from 'node:crypto';
import { adminAuth, customerAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { createTestApp, createTestAppOnOwnDatabase } from './support/test-app';

const t = oneAppPerFile(createTestApp);
// Tests about the whole users table (exact totals, newest first, nothing stored) run on a database of
// their own: suites in other workers add users to the run's database at any time.
const own = oneAppPerFile(createTestAppOnOwnDatabase);

const PASSWORD = 'correct horse battery';
const uniqueEmail = (tag = 'u') => `${tag}-${randomUUID()}@example.com`;
const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function userRows(email: string): Promise<RowDataPacket[]> {
  const [rows] = await t.pool.query<RowDataPacket[]>('SELECT * FROM users WHERE email = ?', [email]);
  return rows;
}

async function countUsers(pool = t.pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users');
  return Number(rows[0]?.n);
}

describe('POST /users', () => {
  test('when name and email are valid, then 201 with the user, stored with the email lower-cased', async () => {
    const email = uniqueEmail('Ada.Lovelace').toUpperCase();
    const res = await request(t.app).post('/users').send({ password: PASSWORD, name: 'Ada Lovelace', email });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Ada Lovelace',
      email: email.toLowerCase(),
      createdAt: expect.stringMatching(ISO_MS_Z),
    });
    const rows = await userRows(email.toLowerCase());
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(res.body.id);
    expect(Math.abs(new Date(res.body.createdAt).getTime() - Date.now())).toBeLessThan(60_000);
  });

  test('when the email is already taken in another letter case, then 409 EMAIL_TAKEN and no second row', async () => {
    const email = uniqueEmail('dup');
    await request(t.app).post('/users').send({ password: PASSWORD, name: 'First', email }).expect(201);

    const res = await request(t.app)
      .post('/users')
      .send({ password: PASSWORD, name: 'Second', email: email.toUpperCase() });

    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'EMAIL_TAKEN', message: expect.any(String) } });
    const rows = await userRows(email);
    expect(rows.map((r) => r.name)).toEqual(['First']);
  });

  test('when 20 requests create the same email at once, then exactly one 201 and nineteen 409 EMAIL_TAKEN', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(t.app)
          .post('/users')
          .send({ password: PASSWORD, name: `Racer ${i}`, email }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('EMAIL_TAKEN');
    expect(await userRows(email)).toHaveLength(1);
  });

  test('when strings look like SQL or markup, then they are stored and returned verbatim', async () => {
    const name = `Robert'); DROP TABLE users;-- <script>alert("x")</script> \\ % _ 🎟️`;
    const res = await request(t.app)
      .post('/users')
      .send({ password: PASSWORD, name, email: uniqueEmail("o'brien") });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(name);
    const fetched = await request(t.app).get(`/users/${res.body.id}`).set(customerAuth(res.body.id)).expect(200);
    expect(fetched.body.name).toBe(name);
    expect(await countUsers()).toBeGreaterThan(0);
  });

  test('when the name is exactly 200 characters, then it is accepted', async () => {
    const res = await request(t.app)
      .post('/users')
      .send({ password: PASSWORD, name: 'n'.repeat(200), email: uniqueEmail() });
    expect(res.status).toBe(201);
  });

  const ok = { name: 'A', email: 'a@example.com', password: PASSWORD };
  const without = (field: keyof typeof ok) => Object.fromEntries(Object.entries(ok).filter(([k]) => k !== field));
  const invalidBodies: Array<[string, unknown, string[]]> = [
    ['name is missing', without('name'), ['name']],
    ['email is missing', without('email'), ['email']],
    ['password is missing', without('password'), ['password']],
    ['all are missing', {}, ['name', 'email', 'password']],
    ['name is empty', { ...ok, name: '' }, ['name']],
    ['name is blank', { ...ok, name: '   ' }, ['name']],
    ['name is 201 characters', { ...ok, name: 'n'.repeat(201) }, ['name']],
    ['name is a number', { ...ok, name: 42 }, ['name']],
    ['email is not an email', { ...ok, email: 'not-an-email' }, ['email']],
    ['email is null', { ...ok, email: null }, ['email']],
    ['email is an array', { ...ok, email: ['a@example.com'] }, ['email']],
    ['password is 7 characters', { ...ok, password: 'x'.repeat(7) }, ['password']],
    ['password is 201 characters', { ...ok, password: 'x'.repeat(201) }, ['password']],
    ['password is a number', { ...ok, password: 12345678 }, ['password']],
    ['an unknown field is sent', { ...ok, nickname: 'Al' }, ['nickname']],
    ['a role is sent (sign-up is always a customer)', { ...ok, role: 'admin' }, ['role']],
    ['the body is an array', [ok], ['(body)']],
  ];

  test.each(invalidBodies)(
    'when %s, then 400 VALIDATION_FAILED naming the fields and nothing is stored',
    async (_, body, fields) => {
      const before = await countUsers(own.pool);
      const res = await request(own.app)
        .post('/users')
        .send(body as object);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([...fields].sort());
      for (const d of res.body.error.details) expect(d.message).toEqual(expect.any(String));
      expect(await countUsers(own.pool)).toBe(before);
    },
  );

  test('when no JSON content type is sent, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await request(t.app).post('/users').set('Content-Type', 'text/plain').send('name=A');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /users/:id', () => {
  test('when the user exists and asks for themselves, then 200 with it', async () => {
    const created = await request(t.app)
      .post('/users')
      .send({ password: PASSWORD, name: 'Grace', email: uniqueEmail() })
      .expect(201);
    const res = await request(t.app).get(`/users/${created.body.id}`).set(customerAuth(created.body.id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
  });

  test.each([
    ['an unknown uuid', randomUUID()],
    ['not a uuid', 'not-a-uuid'],
    ['a SQL string', "1' OR '1'='1"],
    ['broken percent-encoding', '%E0%A4%A'],
  ])('when an admin asks for an id that is %s, then 404 NOT_FOUND', async (_, id) => {
    const res = await request(t.app).get(`/users/${id}`).set(adminAuth());
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});

describe('GET /users', () => {
  test('when users exist, then newest first with limit, offset and the exact total', async () => {
    const before = (await request(own.app).get('/users').set(adminAuth()).expect(200)).body.pagination.total;
    const ids: string[] = [];
    for (const name of ['P1', 'P2', 'P3']) {
      ids.push(
        (await request(own.app).post('/users').send({ password: PASSWORD, name, email: uniqueEmail() }).expect(201))
          .body.id,
      );
    }

    const first = await request(own.app).get('/users?limit=2').set(adminAuth());
    expect(first.status).toBe(200);
    expect(first.body.pagination).toEqual({ limit: 2, offset: 0, total: before + 3 });
    expect(first.body.data.map((u: { id: string }) => u.id)).toEqual([ids[2], ids[1]]);

    const second = await request(own.app).get('/users?limit=2&offset=2').set(adminAuth());
    expect(second.body.pagination).toEqual({ limit: 2, offset: 2, total: before + 3 });
    expect(second.body.data[0].id).toBe(ids[0]);
    expect(second.body.data[0]).toEqual({
      id: ids[0],
      name: 'P1',
      email: expect.any(String),
      createdAt: expect.stringMatching(ISO_MS_Z),
    });
  });

  test('when no paging is given, then limit 20 and offset 0', async () => {
    const res = await request(t.app).get('/users').set(adminAuth());
    expect(res.status).toBe(200);
    expect(res.body.pagination).toMatchObject({ limit: 20, offset: 0 });
    expect(res.body.data.length).toBeLessThanOrEqual(20);
  });

  test('when the offset is past the end, then an empty page with the total', async () => {
    const res = await request(t.app).get('/users?offset=100000').set(adminAuth());
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.pagination.total).toBeGreaterThan(0);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=x', 'offset'],
    ['offset=1e3', 'offset'],
  ])('when ?%s, then 400 VALIDATION_FAILED naming %s', async (query, field) => {
    const res = await request(t.app).get(`/users?${query}`).set(adminAuth());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ field, message: expect.any(String) }]);
  });

  test('when limit is 100 (the maximum), then it is accepted', async () => {
    const res = await request(t.app).get('/users?limit=100').set(adminAuth());
    expect(res.status).toBe(200);
    expect(res.body.pagination.limit).toBe(100);
  });
});
