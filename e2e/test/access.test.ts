import { generateKeyPairSync, sign } from 'node:crypto';
import { get, post } from './support/http';
import { createEvent, createUser, seatsOf } from './support/scenario';
import { type Stack, startStack } from './support/stack';

// docs/api.md "Access" across the real processes: tokens from user-service, verified by every service
// with the keys of user-service's JWKS.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

describe('access across the services', () => {
  test('when a customer tries what only an admin or the owner may do, then 403 everywhere and nothing changes', async () => {
    const [alice, bob] = [await createUser(stack), await createUser(stack)];
    const eventId = await createEvent(stack, 5);

    const forbidden = [
      await post(
        `${stack.events.url}/events`,
        { name: 'Mine', startsAt: '2099-01-01T00:00:00Z', totalSeats: 1 },
        alice.auth,
      ),
      await post(`${stack.bookings[0].url}/bookings`, { userId: bob.id, eventId, quantity: 3 }, alice.auth),
      await get(`${stack.bookings[1].url}/bookings?userId=${bob.id}`, alice.auth),
      await get(`${stack.notifications.url}/notifications?userId=${bob.id}`, alice.auth),
      await get(`${stack.users.url}/users`, alice.auth),
      await get(`${stack.users.url}/users/${bob.id}`, alice.auth),
    ];
    expect(forbidden.map((r) => [r.status, codeOf(r.body)])).toEqual(Array(6).fill([403, 'FORBIDDEN']));
    expect(await seatsOf(stack, eventId)).toEqual({ total: 5, available: 5 });

    const own = await post(`${stack.bookings[1].url}/bookings`, { eventId }, bob.auth);
    expect(own.status).toBe(201);
    const bookingId = (own.body as { id: string }).id;
    expect((await get(`${stack.bookings[0].url}/bookings/${bookingId}`, alice.auth)).status).toBe(403);
    expect((await get(`${stack.bookings[0].url}/bookings/${bookingId}`, bob.auth)).status).toBe(200);
    expect((await get(`${stack.bookings[0].url}/bookings/${bookingId}`, stack.adminAuth)).status).toBe(200);
    expect((await get(`${stack.users.url}/users`, stack.adminAuth)).status).toBe(200);
  });

  test('when a token is missing, forged by another key or alg none, then every service answers 401 with WWW-Authenticate', async () => {
    const alice = await createUser(stack);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: alice.id, role: 'admin', iat: now, exp: now + 600 };
    const input = `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64(claims)}`;
    const forged = `${input}.${sign(null, Buffer.from(input), generateKeyPairSync('ed25519').privateKey).toString('base64url')}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const urls = [
      `${stack.users.url}/users`,
      `${stack.bookings[0].url}/bookings`,
      `${stack.bookings[1].url}/bookings`,
      `${stack.notifications.url}/notifications`,
    ];
    for (const url of urls) {
      const attempts: Array<Record<string, string>> = [
        {},
        { Authorization: `Bearer ${forged}` },
        { Authorization: `Bearer ${none}` },
      ];
      for (const headers of attempts) {
        const res = await get(url, headers);
        expect([url, res.status, codeOf(res.body)]).toEqual([url, 401, 'UNAUTHENTICATED']);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
    const event = await post(
      `${stack.events.url}/events`,
      { name: 'x', startsAt: '2099-01-01T00:00:00Z', totalSeats: 1 },
      {
        Authorization: `Bearer ${forged}`,
      },
    );
    expect(event.status).toBe(401);
  });
});
