import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '@ebs/service-kit/observability';
import {
  adminAuth,
  customerAuth,
  expectForbidden,
  expectUnauthenticated,
  hostileAuthorizations,
  oneAppPerFile,
} from '@ebs/service-kit/testing';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { createUsersRepo } from '../src/data/users.repo';
import { ensureAdmin } from '../src/domain/admin-bootstrap';
import { createTestApp, type TestApp } from './support/test-app';

// Each test logs in from a client address of its own (X-Forwarded-For, trusted from loopback): the login
// throttle's bound per address (50 failures) then counts only that test's failures, not every suite's on 127.0.0.1.
const TRUSTING = { TRUST_PROXY: 'loopback' };
const t = oneAppPerFile(() => createTestApp(TRUSTING));
let clientAddress = '';
beforeEach(() => {
  clientAddress = `10.${[...randomBytes(3)].join('.')}`;
});

const uniqueEmail = (tag = 'auth') => `${tag}-${randomUUID()}@example.com`;
const PASSWORD = 'a long enough secret';

async function signUp(app = t.app, email = uniqueEmail(), password = PASSWORD): Promise<{ id: string; email: string }> {
  return (await request(app).post('/users').send({ name: 'Auth Tester', email, password }).expect(201)).body;
}

const login = (email: string, password: string, app = t.app) =>
  request(app).post('/auth/token').set('X-Forwarded-For', clientAddress).send({ email, password });

describe('POST /auth/token', () => {
  test('when email and password are right, then 200 with a Bearer JWT: sub, role customer, iss, aud, iat, exp 1 h, kid of the JWKS', async () => {
    const user = await signUp();
    const res = await login(user.email.toUpperCase(), PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });
    const header = decodeProtectedHeader(res.body.accessToken);
    const claims = decodeJwt(res.body.accessToken);
    const jwks = (await request(t.app).get('/.well-known/jwks.json').expect(200)).body;
    expect(header).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0].kid });
    expect(claims).toMatchObject({ sub: user.id, role: 'customer', iss: 'ebs-user-service', aud: 'ebs' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(Math.abs((claims.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    // The JWKS verifies it, and the token opens the user's own record.
    await jwtVerify(res.body.accessToken, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    await request(t.app).get(`/users/${user.id}`).set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
  });

  test('when JWT_ISSUER and JWT_AUDIENCE are set, then tokens carry them, and a token of another issuer is 401 here', async () => {
    const other = createTestApp({ JWT_ISSUER: 'issuer-b', JWT_AUDIENCE: 'audience-b' });
    try {
      const user = await signUp(other.app);
      const res = await login(user.email, PASSWORD, other.app);
      expect(decodeJwt(res.body.accessToken)).toMatchObject({ iss: 'issuer-b', aud: 'audience-b' });
      await request(other.app)
        .get(`/users/${user.id}`)
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
      // A token of the default issuer, signed with the same key, is refused by this configuration.
      expectUnauthenticated(await request(other.app).get(`/users/${user.id}`).set(customerAuth(user.id)));
    } finally {
      await other.close();
    }
  });

  test('when the JWKS is read, then it holds only the public key (no private part)', async () => {
    const res = await request(t.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' },
    ]);
  });

  test('when the key is P-256 and the TTL 120 s, then tokens are ES256 with exp 120 s after iat', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const es = createTestApp({ JWT_PRIVATE_KEY: ec.toString(), JWT_TTL_SECONDS: '120' });
    try {
      const user = await signUp(es.app);
      const res = await login(user.email, PASSWORD, es.app).expect(200);
      expect(res.body.expiresIn).toBe(120);
      expect(decodeProtectedHeader(res.body.accessToken).alg).toBe('ES256');
      const claims = decodeJwt(res.body.accessToken);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
      const jwks = (await request(es.app).get('/.well-known/jwks.json')).body;
      expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
      await jwtVerify(res.body.accessToken, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
      await request(es.app).get(`/users/${user.id}`).set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    } finally {
      await es.close();
    }
  });

  test('when the password is wrong or the email unknown, then the same 401 for both', async () => {
    const user = await signUp();
    const wrong = await login(user.email, 'not the password');
    const unknown = await login(uniqueEmail('nobody'), PASSWORD);
    expectUnauthenticated(wrong);
    expectUnauthenticated(unknown);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
  });

  test('when the email is unknown, then the answer takes about as long as for a wrong password', async () => {
    const user = await signUp();
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      await login(email, 'not the password').expect(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await time(user.email));
      unknown.push(await time(uniqueEmail('nobody')));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] as number;
    // Both pay one argon2id verification; an unknown email answering fast would reveal which emails exist.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
    expect(median(unknown)).toBeLessThan(median(wrong) * 2);
  });

  test.each([
    ['the body is empty', {}],
    ['the email is not an email', { email: 'nope', password: PASSWORD }],
    ['an unknown field is sent', { email: 'a@example.com', password: PASSWORD, role: 'admin' }],
    ['the password is a number', { email: 'a@example.com', password: 12345678 }],
  ])('when %s, then 400 VALIDATION_FAILED', async (_, body) => {
    const res = await request(t.app).post('/auth/token').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  test('when a user without a password (made before accounts existed) logs in, then 401', async () => {
    const email = uniqueEmail('legacy');
    await t.pool.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [randomUUID(), 'Old', email]);
    expectUnauthenticated(await login(email, PASSWORD));
  });
});

describe('login rate limit (MySQL, shared by replicas)', () => {
  let replicaB: TestApp;
  beforeAll(() => {
    replicaB = createTestApp(TRUSTING);
  });
  afterAll(async () => {
    await replicaB.close();
  });

  test('when 10 logins failed on two replicas, then the 11th on either is 429 RATE_LIMITED with Retry-After, even with the right password', async () => {
    const user = await signUp();
    for (let i = 0; i < 10; i++) {
      expectUnauthenticated(await login(user.email, `wrong ${i}`, i % 2 === 0 ? t.app : replicaB.app));
    }
    for (const app of [t.app, replicaB.app]) {
      const res = await login(user.email, PASSWORD, app);
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(800);
      expect(retryAfter).toBeLessThanOrEqual(900);
    }
    // Another email is not affected.
    const other = await signUp();
    await login(other.email, PASSWORD, replicaB.app).expect(200);
  });

  test('when 30 wrong logins race over two replicas, then exactly 10 are judged (401) and 20 are 429', async () => {
    const user = await signUp();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(user.email, `wrong ${i}`, i % 2 === 0 ? t.app : replicaB.app)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect((await login(user.email, PASSWORD)).status).toBe(429);
  });

  test('when the failures are older than 15 minutes, then logging in works again', async () => {
    const user = await signUp();
    for (let i = 0; i < 11; i++) await login(user.email, 'wrong');
    expect((await login(user.email, PASSWORD)).status).toBe(429);
    await t.pool.query('UPDATE login_failures SET failed_at = failed_at - INTERVAL 16 MINUTE WHERE email = ?', [
      user.email,
    ]);
    await login(user.email, PASSWORD).expect(200);
  });

  test('when 30 different users log in at once over two replicas, then all 30 get a token', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => signUp()));
    const responses = await Promise.all(
      users.map((u, i) => login(u.email, PASSWORD, i % 2 === 0 ? t.app : replicaB.app)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
  });

  test('when logins succeed, then they are not counted as failures', async () => {
    const user = await signUp();
    for (let i = 0; i < 12; i++) await login(user.email, PASSWORD).expect(200);
  });
});

describe('access to users (docs/api.md)', () => {
  test('when GET /users/:id is asked by the user, another customer, an admin and nobody, then 200, 403, 200, 401', async () => {
    const [me, other] = [await signUp(), await signUp()];
    await request(t.app).get(`/users/${me.id}`).set(customerAuth(me.id)).expect(200);
    expectForbidden(await request(t.app).get(`/users/${me.id}`).set(customerAuth(other.id)));
    await request(t.app).get(`/users/${me.id}`).set(adminAuth()).expect(200);
    expectUnauthenticated(await request(t.app).get(`/users/${me.id}`));
  });

  test('when GET /users is asked by a customer and by nobody, then 403 and 401; by an admin 200', async () => {
    const me = await signUp();
    expectForbidden(await request(t.app).get('/users').set(customerAuth(me.id)));
    expectUnauthenticated(await request(t.app).get('/users'));
    await request(t.app).get('/users').set(adminAuth()).expect(200);
  });

  test.each(hostileAuthorizations(randomUUID()))('when the token is %s, then 401', async (_, authorization) => {
    expectUnauthenticated(await request(t.app).get('/users').set('Authorization', authorization));
  });

  test('when a customer signs up, then the stored role is customer', async () => {
    const me = await signUp();
    const [rows] = await t.pool.query<RowDataPacket[]>('SELECT role FROM users WHERE id = ?', [me.id]);
    expect(rows[0]?.role).toBe('customer');
  });
});

describe('admin bootstrap', () => {
  const users = () => createUsersRepo(t.pool);
  const logger = createLogger('test', 'silent');
  const adminRows = async (email: string) =>
    (await t.pool.query<RowDataPacket[]>('SELECT role FROM users WHERE email = ?', [email]))[0];

  test('when it runs twice, then one admin, and the admin logs in with an admin token', async () => {
    const admin = { email: uniqueEmail('admin'), password: 'admin password' };
    expect(await ensureAdmin({ users: users(), logger }, admin)).toBe('created');
    expect(await ensureAdmin({ users: users(), logger }, admin)).toBe('exists');
    expect((await adminRows(admin.email)).map((r) => r.role)).toEqual(['admin']);
    const token = (await login(admin.email, admin.password).expect(200)).body.accessToken;
    expect(decodeJwt(token).role).toBe('admin');
    await request(t.app).get('/users').set('Authorization', `Bearer ${token}`).expect(200);
  });

  test('when two replicas run it at once, then exactly one admin is created', async () => {
    const admin = { email: uniqueEmail('admin'), password: 'admin password' };
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => ensureAdmin({ users: users(), logger }, admin)));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(await adminRows(admin.email)).toHaveLength(1);
  });

  test('when a customer already signed up with ADMIN_EMAIL, then they are not promoted', async () => {
    const squatter = await signUp(t.app, uniqueEmail('squatter'));
    expect(await ensureAdmin({ users: users(), logger }, { email: squatter.email, password: 'admin password' })).toBe(
      'exists',
    );
    expect((await adminRows(squatter.email)).map((r) => r.role)).toEqual(['customer']);
  });
});
