import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { algorithmOf, type Role, type SigningAlgorithm } from '@ebs/service-kit/auth';
import { type JWK, SignJWT } from 'jose';

export type SigningKey = {
  alg: SigningAlgorithm;
  /** The JWK thumbprint (RFC 7638) of the public key: stable for a key, new with a new key. */
  kid: string;
  publicKey: KeyObject;
  /** What GET /.well-known/jwks.json serves. */
  jwks: { keys: JWK[] };
  /** Claims iss and aud of every token it signs (user-service verifies its own tokens against them too). */
  issuer: string;
  audience: string;
  sign: (claims: { sub: string; role: Role }, ttlSeconds: number) => Promise<string>;
};

/** The signing key from JWT_PRIVATE_KEY; the algorithm follows the key (Ed25519: EdDSA, P-256: ES256). */
export function createSigningKey(privateKey: KeyObject, claims: { issuer: string; audience: string }): SigningKey {
  const alg = algorithmOf(privateKey);
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = thumbprint(jwk);
  return {
    alg,
    kid,
    publicKey,
    jwks: { keys: [{ ...jwk, kid, alg, use: 'sig' }] },
    issuer: claims.issuer,
    audience: claims.audience,
    sign: ({ sub, role }, ttlSeconds) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(claims.issuer)
        .setAudience(claims.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
  };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
function thumbprint(jwk: JWK): string {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
