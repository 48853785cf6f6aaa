import type { TokenVerifier } from '@ebs/service-kit/auth';
import { pingDb } from '@ebs/service-kit/db';
import { errorMiddleware, notFoundRoute } from '@ebs/service-kit/errors';
import { httpEdge, requestContext } from '@ebs/service-kit/http';
import { healthRouter } from '@ebs/service-kit/lifecycle';
import type { Logger } from '@ebs/service-kit/observability';
import { docsRouter, httpMetrics, metricsRouter } from '@ebs/service-kit/observability';
import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import type { NotificationsRepo } from './data/notifications.repo';
import { notificationsRouter } from './http/notifications.routes';
import { buildOpenApi } from './http/openapi';

export type AppDeps = {
  pool: Pool;
  notifications: NotificationsRepo;
  logger: Logger;
  /** Verifies bearer tokens locally. */
  auth: TokenVerifier;
  /** NATS is reported by /ready but never makes the service unready: notifications catch up later. */
  natsConnected: () => boolean;
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(httpMetrics());
  app.use(httpEdge());
  app.use(
    healthRouter([
      { name: 'mysql', check: () => pingDb(pool), required: true },
      {
        name: 'nats',
        check: async () => {
          if (!deps.natsConnected()) throw new Error('nats disconnected');
        },
        required: false,
      },
    ]),
  );
  app.use(metricsRouter());
  app.use(docsRouter(buildOpenApi()));
  app.use('/notifications', notificationsRouter(deps));
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
