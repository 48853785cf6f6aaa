import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';

// Real tokens for tests. global-setup makes one Ed25519 key pair per run (testKeyPairEnv): the app under
// test verifies with JWT_PUBLIC_KEY (user-service signs with JWT_PRIVATE_KEY), and tests mint with the
// private half from TEST_JWT_PRIVATE_KEY. Signed here with node:crypto (synchronous, so a test can write
// `.set(adminAuth())`), in the exact JWS compact form user-service produces.

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
  /** Another signing key (e.g. a stranger's); Ed25519 signs EdDSA, P-256 signs ES256. */
  key?: KeyObject;
  kid?: string;
  /** Claims iss and aud; default: what the services accept by default. */
  issuer?: string;
  audience?: string;
};

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token as user-service issues it: sub, role, iss, aud, iat, exp. */
export function mintToken(sub: string, role: Role = 'customer', opts: MintOptions = {}): string {
  const key = opts.key ?? testPrivateKey();
  const ec = key.asymmetricKeyType === 'ec';
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: ec ? 'ES256' : 'EdDSA', typ: 'JWT', ...(opts.kid ? { kid: opts.kid } : {}) };
  const payload = {
    role,
    sub,
    iss: opts.issuer ?? process.env.JWT_ISSUER ?? 'ebs-user-service',
    aud: opts.audience ?? process.env.JWT_AUDIENCE ?? 'ebs',
    iat: now,
    exp: now + (opts.expiresIn ?? 3600),
    ...(opts.notBefore !== undefined ? { nbf: now + opts.notBefore } : {}),
  };
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = ec
    ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : sign(null, Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/** Authorization header of a customer (the given user) or an admin. */
export const customerAuth = (userId: string) => bearer(mintToken(userId, 'customer'));
export const adminAuth = (userId: string = randomUUID()) => bearer(mintToken(userId, 'admin'));

/**
 * Authorization header values that must all be refused with 401 for the given user: each names the attack.
 * The signature parts are real where the attack needs them (tampered payload, role edited).
 */
export function hostileAuthorizations(userId: string): Array<[string, string]> {
  const now = Math.floor(Date.now() / 1000);
  const valid = mintToken(userId, 'customer');
  const [header, , signature] = valid.split('.');
  const stranger = generateKeyPairSync('ed25519').privateKey;
  const publicPem = createPublicKey(testPrivateKey()).export({ type: 'spki', format: 'pem' }).toString();
  const claims = { sub: userId, role: 'customer', iat: now, exp: now + 3600 };
  const hsInput = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ ...claims, role: 'admin' })}`;
  const hs256WithPublicKey = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;
  return [
    ['expired', `Bearer ${mintToken(userId, 'customer', { expiresIn: -60 })}`],
    ['not yet valid (nbf in the future)', `Bearer ${mintToken(userId, 'customer', { notBefore: 600 })}`],
    ['signed by another key', `Bearer ${mintToken(userId, 'customer', { key: stranger })}`],
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
