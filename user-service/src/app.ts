import { createTokenVerifier } from '@ebs/service-kit/auth';
import { pingDb } from '@ebs/service-kit/db';
import { errorMiddleware, notFoundRoute } from '@ebs/service-kit/errors';
import { httpEdge, requestContext } from '@ebs/service-kit/http';
import { healthRouter } from '@ebs/service-kit/lifecycle';
import type { Logger } from '@ebs/service-kit/observability';
import { docsRouter, httpMetrics, metricsRouter } from '@ebs/service-kit/observability';
import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { createLoginFailuresRepo } from './data/login-failures.repo';
import { createUsersRepo } from './data/users.repo';
import type { SigningKey } from './domain/signing-key';
import { authRouter } from './http/auth.routes';
import { buildOpenApi } from './http/openapi';
import { usersRouter } from './http/users.routes';

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
