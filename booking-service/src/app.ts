import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { createBookingsRepo } from './data/bookings.repo';
import { createBookingRush } from './domain/book-seats';
import { bookingsRouter } from './http/bookings.routes';
import { pingDb } from './lib/db';
import { errorMiddleware, notFoundRoute } from './lib/error-middleware';
import { healthRouter } from './lib/health';
import type { Logger } from './lib/logger';
import { requestContext } from './lib/request-context';

export type AppDeps = {
  pool: Pool;
  logger: Logger;
  /** NATS is reported by /ready but never makes the service unready: bookings wait in the outbox. */
  natsConnected: () => boolean;
  /** Called after each committed booking group (the outbox relay's kick). */
  onBookingCommitted: () => void;
  rush: { maxWaitMs: number; maxGroupSize: number };
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
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
  const bookings = createBookingsRepo(pool);
  const rush = createBookingRush({ pool, bookings, logger, onCommitted: deps.onBookingCommitted }, deps.rush);
  app.use('/bookings', bookingsRouter({ bookings, rush }));
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
