import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

// Real tokens for tests. global-setup makes one Ed25519 key pair per run (testKeyPairEnv): the app under
// test verifies with JWT_PUBLIC_KEY (user-service signs with JWT_PRIVATE_KEY), and tests mint with the
// private half from TEST_JWT_PRIVATE_KEY.

/** The environment global-setup adds: the run's test key pair. */
export function testKeyPairEnv(): Record<string, string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    JWT_PRIVATE_KEY: privatePem,
    TEST_JWT_PRIVATE_KEY: privatePem,
  };
}

export function testPrivateKey(): KeyObject {
  const pem = process.env.TEST_JWT_PRIVATE_KEY;
  if (!pem) throw new Error('TEST_JWT_PRIVATE_KEY is not set: global-setup makes it');
  return createPrivateKey(pem);
}

export type Role = 'customer' | 'admin';

export type MintOptions = {
  /** Seconds from now; negative for an expired token. Default 3600. */
  expiresIn?: number;
  /** nbf, seconds from now. */
  notBefore?: number;
  /** Another signing key (e.g. a stranger's). */
  key?: KeyObject;
  kid?: string;
};

/** A token as user-service issues it: sub, role, iat, exp, signed EdDSA (or ES256 for a P-256 key). */
export async function mintToken(sub: string, role: Role = 'customer', opts: MintOptions = {}): Promise<string> {
  const key = opts.key ?? testPrivateKey();
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA';
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ role })
    .setProtectedHeader({ alg, typ: 'JWT', ...(opts.kid ? { kid: opts.kid } : {}) })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresIn ?? 3600));
  if (opts.notBefore !== undefined) jwt.setNotBefore(now + opts.notBefore);
  return jwt.sign(key);
}

export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/** Authorization header of a customer (the given user) or an admin. */
export const asCustomer = async (userId: string) => bearer(await mintToken(userId, 'customer'));
export const asAdmin = async (userId: string = randomUUID()) => bearer(await mintToken(userId, 'admin'));

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Authorization header values that must all be refused with 401 for the given user: each names the attack.
 * The signature parts are real where the attack needs them (tampered payload, role edited).
 */
export async function hostileAuthorizations(userId: string): Promise<Array<[string, string]>> {
  const now = Math.floor(Date.now() / 1000);
  const valid = await mintToken(userId, 'customer');
  const [header, , signature] = valid.split('.');
  const stranger = generateKeyPairSync('ed25519').privateKey;
  const publicPem = createPublicKey(testPrivateKey()).export({ type: 'spki', format: 'pem' }).toString();
  const hs256WithPublicKey = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(publicPem));
  const claims = { sub: userId, role: 'customer', iat: now, exp: now + 3600 };
  return [
    ['expired', `Bearer ${await mintToken(userId, 'customer', { expiresIn: -60 })}`],
    ['not yet valid (nbf in the future)', `Bearer ${await mintToken(userId, 'customer', { notBefore: 600 })}`],
    ['signed by another key', `Bearer ${await mintToken(userId, 'customer', { key: stranger })}`],
    ['alg none', `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, role: 'admin' })}.`],
    ['HS256 with the public key as secret', `Bearer ${hs256WithPublicKey}`],
    ['tampered payload (another sub)', `Bearer ${header}.${b64url({ ...claims, sub: randomUUID() })}.${signature}`],
    ['role edited to admin', `Bearer ${header}.${b64url({ ...claims, role: 'admin' })}.${signature}`],
    ['missing Bearer', valid],
    ['Basic scheme', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['garbage', 'Bearer not.a.jwt'],
    ['empty Bearer', 'Bearer '],
  ];
}
