import { createPublicKey, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { createTokenVerifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../src/auth';
import { mintToken, testPrivateKey } from '../src/testing';

// The token verifier remembers a token whose signature it checked, until its exp and for at most a minute, so a
// client's repeated requests cost one signature check. These tests pin what must still hold with that.

const publicKey = () => createPublicKey(testPrivateKey());
const cfg = () => ({
  publicKey: publicKey(),
  jwksUrl: 'http://127.0.0.1:1/unused',
  issuer: DEFAULT_ISSUER,
  audience: DEFAULT_AUDIENCE,
});

/** A clock the test moves; starts at the real time (mintToken stamps iat/exp from Date.now()). */
function manualClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

afterEach(() => {
  jest.restoreAllMocks();
});

test('when one token is verified many times, then its signature is checked once and every answer names its caller', async () => {
  const verifier = createTokenVerifier(cfg());
  const spy = jest.spyOn(jose, 'jwtVerify');
  const userId = randomUUID();
  const token = mintToken(userId, 'customer');
  const callers = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token)));
  for (let i = 0; i < 5; i++) callers.push(await verifier.verify(token));
  expect(callers).toEqual(Array.from({ length: 10 }, () => ({ userId, role: 'customer' })));
  // The first five arrived together (none was remembered yet); every later one is remembered.
  expect(spy.mock.calls.length).toBeLessThanOrEqual(5);
  spy.mockClear();
  await verifier.verify(token);
  expect(spy).not.toHaveBeenCalled();
});

test('when a remembered token reaches its exp, then it is refused (401) like a token never seen', async () => {
  const clock = manualClock();
  const verifier = createTokenVerifier(cfg(), undefined, clock.now);
  const token = mintToken(randomUUID(), 'customer', { expiresIn: 30 });
  await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'customer' });
  clock.advance(29_000);
  await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'customer' });
  clock.advance(1_500);
  await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
});

test('when a remembered token is a minute old, then its signature is checked again', async () => {
  const clock = manualClock();
  const verifier = createTokenVerifier(cfg(), undefined, clock.now);
  const token = mintToken(randomUUID(), 'admin');
  await verifier.verify(token);
  const spy = jest.spyOn(jose, 'jwtVerify');
  clock.advance(59_000);
  await verifier.verify(token);
  expect(spy).not.toHaveBeenCalled();
  clock.advance(2_000);
  await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'admin' });
  expect(spy).toHaveBeenCalledTimes(1);
});

test('when a remembered token is altered in its payload or signature, then the altered one is refused', async () => {
  const verifier = createTokenVerifier(cfg());
  const userId = randomUUID();
  const token = mintToken(userId, 'customer');
  await verifier.verify(token);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
  const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
  await expect(verifier.verify(`${header}.${promoted}.${signature}`)).rejects.toMatchObject({ status: 401 });
  await expect(verifier.verify(`${header}.${payload}.${flipped}`)).rejects.toMatchObject({ status: 401 });
  await expect(verifier.verify(token)).resolves.toEqual({ userId, role: 'customer' });
});
