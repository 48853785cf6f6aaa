import { rateLimited, unauthenticated } from '@ebs/service-kit/errors';
import type { LoginFailuresRepo } from '../data/login-failures.repo';
import type { UsersRepo } from '../data/users.repo';
import { countLoginThrottled } from '../metrics';
import { LOGIN_LIMITS, LOGIN_WINDOW_MS, THROTTLE_MESSAGES } from './login-throttle';
import { passwordMatches } from './passwords';
import type { SigningKey } from './signing-key';

export type IssueTokenDeps = {
  users: UsersRepo;
  loginFailures: LoginFailuresRepo;
  signingKey: SigningKey;
  ttlSeconds: number;
};

export type TokenResponse = { accessToken: string; tokenType: 'Bearer'; expiresIn: number };

/**
 * POST /auth/token from clientAddress (http/client-address.ts):
 *   1. record the attempt for this email and address; with a throttle bound reached (login-throttle.ts) ->
 *      429 RATE_LIMITED with Retry-After, the password unchecked (so the refused guesses learn nothing and
 *      cost no hashing);
 *   2. check the password (a dummy hash for an unknown email, so both take the same time);
 *   3. wrong email or password -> the same 401, and the attempt stays counted as a failure;
 *   4. right -> the attempt is forgotten and a token is signed with sub, role, iat, exp.
 */
export async function issueToken(
  deps: IssueTokenDeps,
  input: { email: string; password: string },
  clientAddress: string,
): Promise<TokenResponse> {
  const now = new Date();
  const windowStart = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const attempt = await deps.loginFailures.record(input.email, clientAddress, now, windowStart, LOGIN_LIMITS);
  if (!attempt.recorded) {
    countLoginThrottled(attempt.bound);
    const retryAfterMs = attempt.since.getTime() + LOGIN_WINDOW_MS - now.getTime();
    throw rateLimited(THROTTLE_MESSAGES[attempt.bound], retryAfterMs / 1000);
  }
  const credentials = await deps.users.findCredentials(input.email);
  if (!(await passwordMatches(credentials?.passwordHash, input.password)) || !credentials) {
    throw unauthenticated('Wrong email or password');
  }
  await deps.loginFailures.forget(attempt.id);
  const accessToken = await deps.signingKey.sign({ sub: credentials.id, role: credentials.role }, deps.ttlSeconds);
  return { accessToken, tokenType: 'Bearer', expiresIn: deps.ttlSeconds };
}
