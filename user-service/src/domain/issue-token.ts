import { rateLimited, unauthenticated } from '@ebs/service-kit/errors';
import type { LoginFailuresRepo } from '../data/login-failures.repo';
import type { UsersRepo } from '../data/users.repo';
import { passwordMatches } from './passwords';
import type { SigningKey } from './signing-key';

export type IssueTokenDeps = {
  users: UsersRepo;
  loginFailures: LoginFailuresRepo;
  signingKey: SigningKey;
  ttlSeconds: number;
};

export type TokenResponse = { accessToken: string; tokenType: 'Bearer'; expiresIn: number };

/** More than MAX_FAILURES failed logins for one email within WINDOW_MS: 429 until the oldest ages out. */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60_000;

/**
 * POST /auth/token:
 *   1. record the attempt for this email; with MAX_FAILURES already in the window -> 429 RATE_LIMITED,
 *      the password unchecked (so the 11th and later guesses learn nothing);
 *   2. check the password (a dummy hash for an unknown email, so both take the same time);
 *   3. wrong email or password -> the same 401, and the attempt stays counted as a failure;
 *   4. right -> the attempt is forgotten and a token is signed with sub, role, iat, exp.
 */
export async function issueToken(
  deps: IssueTokenDeps,
  input: { email: string; password: string },
): Promise<TokenResponse> {
  const now = new Date();
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  const attempt = await deps.loginFailures.record(input.email, now, windowStart, MAX_FAILURES);
  if (!attempt.recorded) {
    const retryAfterMs = attempt.oldest.getTime() + WINDOW_MS - now.getTime();
    throw rateLimited('Too many failed logins for this email; try again later', retryAfterMs / 1000);
  }
  const credentials = await deps.users.findCredentials(input.email);
  if (!(await passwordMatches(credentials?.passwordHash, input.password)) || !credentials) {
    throw unauthenticated('Wrong email or password');
  }
  await deps.loginFailures.forget(input.email, attempt.id);
  const accessToken = await deps.signingKey.sign({ sub: credentials.id, role: credentials.role }, deps.ttlSeconds);
  return { accessToken, tokenType: 'Bearer', expiresIn: deps.ttlSeconds };
}
