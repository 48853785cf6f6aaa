import type { TokenVerifier } from '@ebs/service-kit/auth';
import { pingDb } from '@ebs/service-kit/db';
import { errorMiddleware, notFoundRoute } from '@ebs/service-kit/errors';
import { httpEdge, requestContext } from '@ebs/service-kit/http';
import { healthRouter } from '@ebs/service-kit/lifecycle';
import type { Logger } from '@ebs/service-kit/observability';
import { docsRouter, httpMetrics, metricsRouter } from '@ebs/service-kit/observability';
import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import type { Repos } from './data/repos';
import type { BookingRush } from './domain/book-seats';
import { createIdempotency } from './domain/idempotency';
import { bookingsRouter } from './http/bookings.routes';
import { buildOpenApi } from './http/openapi';
import { delayBookingAnswers } from './http/test-hooks';
import { watchOutbox } from './metrics';

export type AppDeps = {
  pool: Pool;
  /** The repositories, built once over `pool` (createRepos). */
  repos: Repos;
  logger: Logger;
  /** Verifies bearer tokens locally (every /bookings route needs one). */
  auth: TokenVerifier;
  /** NATS is reported by /ready but never makes the service unready: bookings wait in the outbox. */
  natsConnected: () => boolean;
  /** The per-event booking queues of this replica (createBookingRush). */
  rush: BookingRush;
  /** Called after each committed cancellation (the outbox relay's kick; bookings tell the rush's own). */
  onCancelCommitted: () => void;
  /** The clock of cancellations and Idempotency-Keys (tests inject one); default: the system clock. */
  now?: () => Date;
  /** Test-only hooks from config (never set in production). */
  testHooks?: { bookingAnswerDelayMs?: number };
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, repos, logger } = deps;
  watchOutbox(repos.outbox);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(httpMetrics());
  app.use(httpEdge());
  // The API's routes first: every layer a request passes costs a match, and bookings are the hot path.
  const now = deps.now ?? (() => new Date());
  const answerDelayMs = deps.testHooks?.bookingAnswerDelayMs;
  if (answerDelayMs) app.use('/bookings', delayBookingAnswers(answerDelayMs));
  app.use(
    '/bookings',
    bookingsRouter({
      pool,
      repos,
      rush: deps.rush,
      auth: deps.auth,
      onCommitted: deps.onCancelCommitted,
      now,
      idempotency: createIdempotency({ idempotency: repos.idempotency, bookings: repos.bookings, now }),
    }),
  );
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
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
