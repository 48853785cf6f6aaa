import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { forbidden, unauthenticated, unavailable } from '../errors/app-error';
import type { Logger } from '../observability/logger';

// Access tokens (docs/api.md "Access"): JWTs signed by user-service with an asymmetric key and verified
// locally by every service, from JWT_PUBLIC_KEY or from the JWKS user-service publishes (fetched, cached).

export type Role = 'customer' | 'admin';
/** Who is calling, from a verified token. */
export type Caller = { userId: string; role: Role };

declare global {
  namespace Express {
    interface Request {
      /** Set by requireAuth once the bearer token is verified. */
      caller?: Caller;
    }
  }
}

export type SigningAlgorithm = 'EdDSA' | 'ES256';
/** Only asymmetric algorithms: `none`, HS256 (e.g. with the public key as secret) and the rest are refused. */
export const ALLOWED_ALGORITHMS: SigningAlgorithm[] = ['EdDSA', 'ES256'];

/** The algorithm follows the key: Ed25519 -> EdDSA, EC P-256 -> ES256; any other key is refused. */
export function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? key.type}: use Ed25519 or EC P-256`);
}

/** A PEM from the environment: literal `\n` escapes (a one-line .env or Secret value) become line breaks. */
export const pemText = (value: string): string => value.replace(/\\n/g, '\n').trim();

function keyFrom(value: string, kind: 'public' | 'private'): KeyObject | undefined {
  const pem = pemText(value);
  // A private key where a public one is expected would work, and spread the private key to every service.
  if (kind === 'public' && pem.includes('PRIVATE KEY')) return undefined;
  try {
    const key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
    algorithmOf(key);
    return key;
  } catch {
    return undefined;
  }
}

const keySchema = (kind: 'public' | 'private', message: string) =>
  z
    .string()
    .refine((v) => keyFrom(v, kind) !== undefined, message)
    .transform((v) => keyFrom(v, kind) as KeyObject);

/** JWT_PRIVATE_KEY (user-service): a PKCS#8 PEM of an Ed25519 or P-256 key. */
export const privateKeySchema = keySchema(
  'private',
  'must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of an Ed25519 or EC P-256 key; see .env.example',
);

/** Who issues tokens and for whom (claims iss and aud): user-service signs them, every service checks them. */
export const DEFAULT_ISSUER = 'ebs-user-service';
export const DEFAULT_AUDIENCE = 'ebs';

/** JWT_ISSUER and JWT_AUDIENCE, for user-service (signing) and every verifying service alike. */
export const tokenClaimsEnvSchema = {
  JWT_ISSUER: z.string().min(1).max(200).default(DEFAULT_ISSUER),
  JWT_AUDIENCE: z.string().min(1).max(200).default(DEFAULT_AUDIENCE),
};

/** The variables of token verification, for each service's config schema. */
export const verifyEnvSchema = {
  ...tokenClaimsEnvSchema,
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001/.well-known/jwks.json'),
  /** When set, verification uses this key only and never fetches the JWKS. */
  JWT_PUBLIC_KEY: keySchema(
    'public',
    'must be an SPKI PEM ("-----BEGIN PUBLIC KEY-----") of an Ed25519 or EC P-256 key; see .env.example',
  ).optional(),
};

/** A token with another issuer or audience is refused (401), whatever its signature. */
export type VerifyConfig = { publicKey?: KeyObject; jwksUrl: string; issuer: string; audience: string };

export const verifyConfigFrom = (e: {
  AUTH_JWKS_URL: string;
  JWT_PUBLIC_KEY?: KeyObject;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}): VerifyConfig => ({
  publicKey: e.JWT_PUBLIC_KEY,
  jwksUrl: e.AUTH_JWKS_URL,
  issuer: e.JWT_ISSUER,
  audience: e.JWT_AUDIENCE,
});

export type TokenVerifier = {
  /** The caller named by a valid token; 401 UNAUTHENTICATED for anything else. */
  verify: (token: string) => Promise<Caller>;
  /** Fetches the JWKS ahead of the first request (no-op with a configured public key); never throws. */
  warmUp: () => Promise<void>;
};

const claimsSchema = z.object({
  sub: z.uuid(),
  role: z.enum(['customer', 'admin']),
  exp: z.number(),
});

class KeysUnavailable extends Error {}

/**
 * A token whose signature was checked is remembered (the exact token string) until its exp, for at most
 * VERIFIED_TTL_MS: a client sends the same token with every request for its whole life, and a signature
 * check costs more CPU than the rest of a booking request (profiled: ~20% of booking-service's CPU in a
 * rush). Only tokens that passed every check are remembered; a changed byte is another string, checked in
 * full. The TTL bounds how long a token signed by a key since withdrawn from the JWKS stays accepted here
 * (the JWKS itself is re-read every JWKS_MAX_AGE_MS); the count bounds the memory (oldest dropped first).
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export function createTokenVerifier(cfg: VerifyConfig, logger?: Logger, clock: () => number = Date.now): TokenVerifier {
  const remote = cfg.publicKey ? undefined : remoteKeySet(cfg.jwksUrl, logger);
  const key: KeyObject | JWTVerifyGetKey | undefined = cfg.publicKey ?? remote?.getKey;
  const algorithms = cfg.publicKey ? [algorithmOf(cfg.publicKey)] : ALLOWED_ALGORITHMS;
  const verified = new Map<string, { caller: Caller; until: number }>();
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        // jose refuses a token once now >= exp; a remembered one is dropped at the same instant.
        if (clock() < known.until) return known.caller;
        verified.delete(token);
      }
      let payload: unknown;
      try {
        // jwtVerify checks the signature, alg against the allow-list, iss, aud, exp and nbf (no clock tolerance).
        ({ payload } = await jwtVerify(token, key as KeyObject, {
          algorithms,
          issuer: cfg.issuer,
          audience: cfg.audience,
          requiredClaims: ['sub', 'exp', 'iat', 'iss', 'aud'],
          currentDate: new Date(clock()),
        }));
      } catch (err) {
        if (err instanceof KeysUnavailable)
          throw unavailable('Token signing keys cannot be fetched; try again shortly');
        throw unauthenticated('The access token is invalid or expired', true);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw unauthenticated('The access token is invalid or expired', true);
      const caller: Caller = { userId: claims.data.sub.toLowerCase(), role: claims.data.role };
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
      verified.set(token, { caller, until: Math.min(clock() + VERIFIED_TTL_MS, claims.data.exp * 1000) });
      return caller;
    },
    async warmUp() {
      await remote?.refresh().catch((err: unknown) => {
        logger?.warn({ err, url: cfg.jwksUrl }, 'JWKS not fetched yet; will retry on the first token');
      });
    },
  };
}

const JWKS_TIMEOUT_MS = 3_000;
/** Cached keys older than this are refreshed in the background; the cached ones keep serving meanwhile. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/** At most one refetch per this interval for tokens whose kid is unknown (so garbage kids cannot flood). */
const JWKS_COOLDOWN_MS = 30_000;

/**
 * A JWKS fetched from url and cached: refreshed on an unknown kid (rate-limited) and when stale, in the
 * background. Once fetched, verification never waits on the JWKS host, even while it is down.
 */
function remoteKeySet(url: string, logger?: Logger) {
  let keys: JWTVerifyGetKey | undefined;
  let fetchedAt = 0;
  let lastAttempt = 0;
  let pending: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    pending ??= (async () => {
      lastAttempt = Date.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
        if (!res.ok) throw new Error(`JWKS answered HTTP ${res.status}`);
        keys = createLocalJWKSet((await res.json()) as JSONWebKeySet);
        fetchedAt = Date.now();
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (!keys) {
      await refresh().catch((err: unknown) => {
        logger?.warn({ err, url }, 'JWKS fetch failed');
        throw new KeysUnavailable('JWKS unavailable');
      });
    } else if (Date.now() - fetchedAt > JWKS_MAX_AGE_MS && Date.now() - lastAttempt > JWKS_COOLDOWN_MS) {
      void refresh().catch((err: unknown) => logger?.warn({ err, url }, 'JWKS refresh failed; keeping cached keys'));
    }
    const current = keys as JWTVerifyGetKey;
    try {
      return await current(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - lastAttempt < JWKS_COOLDOWN_MS) throw err;
      // Perhaps a new key (rotation): fetch once more, then try again.
      await refresh().catch((e: unknown) => logger?.warn({ err: e, url }, 'JWKS refresh failed'));
      return (keys as JWTVerifyGetKey)(header, token);
    }
  };

  return { getKey, refresh };
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Verifies `Authorization: Bearer <token>` and sets req.caller; anything else is 401 UNAUTHENTICATED. */
export function requireAuth(verifier: TokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) throw unauthenticated('An access token is required (Authorization: Bearer <token>)');
    const match = BEARER.exec(header);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"', true);
    req.caller = await verifier.verify(match[1]);
    next();
  };
}

/** After requireAuth: a caller without this role is 403 FORBIDDEN. */
export function requireRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    if (callerOf(req).role !== role) throw forbidden(`Only an ${role} may do this`);
    next();
  };
}

/** The verified caller of a request that passed requireAuth. */
export function callerOf(req: Request): Caller {
  if (!req.caller) throw unauthenticated('An access token is required (Authorization: Bearer <token>)');
  return req.caller;
}

/** Ownership: the owner of the data and admins may act on it; anyone else is 403 FORBIDDEN. */
export function assertSelfOrAdmin(caller: Caller, ownerId: string, what = 'this resource'): void {
  if (caller.role !== 'admin' && caller.userId !== ownerId.toLowerCase()) {
    throw forbidden(`You may only access your own ${what}`);
  }
}

/**
 * The user a list is filtered by: a customer always gets their own (asking for another user's is 403);
 * an admin gets what they asked for (undefined: everyone's).
 */
export function ownListScope(caller: Caller, requestedUserId: string | undefined, what: string): string | undefined {
  if (caller.role === 'admin') return requestedUserId;
  if (requestedUserId !== undefined) assertSelfOrAdmin(caller, requestedUserId, what);
  return caller.userId;
}
