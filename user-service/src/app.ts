import { createTokenVerifier } from '@ebs/service-kit/auth';
import { mysqlCheck } from '@ebs/service-kit/db';
import { createServiceApp } from '@ebs/service-kit/lifecycle';
import type { Logger } from '@ebs/service-kit/observability';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { createLoginFailuresRepo } from './data/login-failures.repo';
import { createUsersRepo } from './data/users.repo';
import type { SigningKey } from './domain/signing-key';
import { authRouter } from './http/auth.routes';
import { buildOpenApi } from './http/openapi';
import { usersRouter } from './http/users.routes';

export type AppDeps = {
  pool: Pool;
  logger: Logger;
  signingKey: SigningKey;
  tokenTtlSeconds: number;
  /** Express's `trust proxy` (config.ts, TRUST_PROXY): whose X-Forwarded-For decides req.ip, if anyone's. */
  trustProxy: false | number | string[];
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp({ pool, logger, signingKey, tokenTtlSeconds, trustProxy }: AppDeps): Express {
  const users = createUsersRepo(pool);
  // This service verifies tokens with its own public key: no HTTP to itself.
  const auth = createTokenVerifier(
    { publicKey: signingKey.publicKey, jwksUrl: '', issuer: signingKey.issuer, audience: signingKey.audience },
    logger,
  );
  const app = createServiceApp({
    logger,
    routes: (app) => {
      app.use(
        authRouter({ users, loginFailures: createLoginFailuresRepo(pool), signingKey, ttlSeconds: tokenTtlSeconds }),
      );
      app.use('/users', usersRouter({ users, auth }));
    },
    checks: [mysqlCheck(pool)],
    openApi: buildOpenApi(),
  });
  // Read per request (req.ip), so setting it after the routes are mounted is in time. The login throttle
  // counts failures per client address: only the proxies named here may say who the client is.
  app.set('trust proxy', trustProxy);
  return app;
}
