import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import type { NotificationsRepo } from './data/notifications.repo';
import { notificationsRouter } from './http/notifications.routes';
import { buildOpenApi } from './http/openapi';
import type { TokenVerifier } from './lib/auth';
import { pingDb } from './lib/db';
import { errorMiddleware, notFoundRoute } from './lib/error-middleware';
import { healthRouter } from './lib/health';
import { httpEdge } from './lib/http-edge';
import type { Logger } from './lib/logger';
import { httpMetrics, metricsRouter } from './lib/metrics';
import { docsRouter } from './lib/openapi';
import { requestContext } from './lib/request-context';

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
