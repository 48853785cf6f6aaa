import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { createLoginFailuresRepo } from './data/login-failures.repo';
import { createUsersRepo } from './data/users.repo';
import type { SigningKey } from './domain/signing-key';
import { authRouter } from './http/auth.routes';
import { buildOpenApi } from './http/openapi';
import { usersRouter } from './http/users.routes';
import { createTokenVerifier } from './lib/auth';
import { pingDb } from './lib/db';
import { errorMiddleware, notFoundRoute } from './lib/error-middleware';
import { healthRouter } from './lib/health';
import { httpEdge } from './lib/http-edge';
import type { Logger } from './lib/logger';
import { httpMetrics, metricsRouter } from './lib/metrics';
import { docsRouter } from './lib/openapi';
import { requestContext } from './lib/request-context';

export type AppDeps = { pool: Pool; logger: Logger; signingKey: SigningKey; tokenTtlSeconds: number };

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp({ pool, logger, signingKey, tokenTtlSeconds }: AppDeps): Express {
  const users = createUsersRepo(pool);
  // This service verifies tokens with its own public key: no HTTP to itself.
  const auth = createTokenVerifier({ publicKey: signingKey.publicKey, jwksUrl: '' }, logger);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(httpMetrics());
  app.use(httpEdge());
  app.use(healthRouter([{ name: 'mysql', check: () => pingDb(pool), required: true }]));
  app.use(metricsRouter());
  app.use(docsRouter(buildOpenApi()));
  app.use(authRouter({ users, loginFailures: createLoginFailuresRepo(pool), signingKey, ttlSeconds: tokenTtlSeconds }));
  app.use('/users', usersRouter({ users, auth }));
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
