import { createPublicKey, randomUUID } from 'node:crypto';
import { createTokenVerifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../src/auth';
import { AppError } from '../src/errors';
import { mintToken, testPrivateKey } from '../src/testing';

// Tokens name who issued them and for whom (iss, aud): a token of another issuer or for another audience is
// refused, whatever its signature (DESIGN §3 Access).

const verifier = (issuer = DEFAULT_ISSUER, audience = DEFAULT_AUDIENCE) =>
  createTokenVerifier({
    publicKey: createPublicKey(testPrivateKey()),
    jwksUrl: 'http://127.0.0.1:1/unused',
    issuer,
    audience,
  });

async function refusal(token: string, v = verifier()): Promise<unknown> {
  return v.verify(token).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('token issuer and audience', () => {
  test('when a token names the configured issuer and audience, then it is accepted', async () => {
    const sub = randomUUID();
    await expect(verifier().verify(mintToken(sub, 'admin'))).resolves.toEqual({ userId: sub, role: 'admin' });
  });

  test.each([
    ['another issuer', { issuer: 'someone-else' }],
    ['another audience', { audience: 'another-app' }],
  ])('when a token is signed by the right key but names %s, then 401 UNAUTHENTICATED', async (_what, claims) => {
    const err = await refusal(mintToken(randomUUID(), 'admin', claims));
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(401);
  });

  test('when the services are configured with another issuer and audience, then default tokens are refused and theirs accepted', async () => {
    const v = verifier('issuer-b', 'audience-b');
    expect(await refusal(mintToken(randomUUID()), v)).toBeInstanceOf(AppError);
    await expect(
      v.verify(mintToken(randomUUID(), 'customer', { issuer: 'issuer-b', audience: 'audience-b' })),
    ).resolves.toMatchObject({
      role: 'customer',
    });
  });
});
