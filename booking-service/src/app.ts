import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { createBookingsRepo } from './data/bookings.repo';
import type { BookingRush } from './domain/book-seats';
import { bookingsRouter } from './http/bookings.routes';
import { buildOpenApi } from './http/openapi';
import type { TokenVerifier } from './lib/auth';
import { pingDb } from './lib/db';
import { errorMiddleware, notFoundRoute } from './lib/error-middleware';
import { healthRouter } from './lib/health';
import type { Logger } from './lib/logger';
import { httpMetrics, metricsRouter } from './lib/metrics';
import { docsRouter } from './lib/openapi';
import { requestContext } from './lib/request-context';
import { watchOutbox } from './metrics';

export type AppDeps = {
  pool: Pool;
  logger: Logger;
  /** Verifies bearer tokens locally (every /bookings route needs one). */
  auth: TokenVerifier;
  /** NATS is reported by /ready but never makes the service unready: bookings wait in the outbox. */
  natsConnected: () => boolean;
  /** The per-event booking queues of this replica (createBookingRush). */
  rush: BookingRush;
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, logger } = deps;
  watchOutbox(pool);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(httpMetrics());
  app.use(express.json({ limit: '100kb' }));
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
  app.use('/bookings', bookingsRouter({ bookings: createBookingsRepo(pool), rush: deps.rush, auth: deps.auth }));
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
