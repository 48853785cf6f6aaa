import type { TokenVerifier } from '@ebs/service-kit/auth';
import { pingDb } from '@ebs/service-kit/db';
import { errorMiddleware, notFoundRoute } from '@ebs/service-kit/errors';
import { httpEdge, requestContext } from '@ebs/service-kit/http';
import { type DependencyCheck, healthRouter } from '@ebs/service-kit/lifecycle';
import type { Logger } from '@ebs/service-kit/observability';
import { docsRouter, httpMetrics, metricsRouter } from '@ebs/service-kit/observability';
import express, { type Express } from 'express';
import type { Pool } from 'mysql2/promise';
import type { EventsCache } from './data/events.cache';
import { createEventsRepo, type EventsRepo } from './data/events.repo';
import { createEventReader } from './domain/get-event';
import { eventsRouter } from './http/events.routes';
import { buildOpenApi } from './http/openapi';

export type AppDeps = {
  pool: Pool;
  cache: EventsCache;
  logger: Logger;
  /** Verifies bearer tokens (POST and PATCH /events are for admins). */
  auth: TokenVerifier;
  /** Extra readiness reports (e.g. nats); never required. */
  extraChecks?: DependencyCheck[];
  /** Defaults to the MySQL repository over pool; tests pass one they observe. */
  events?: EventsRepo;
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, cache, logger } = deps;
  const events = deps.events ?? createEventsRepo(pool);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(httpMetrics());
  app.use(httpEdge());
  // The API's routes first: every layer a request passes costs a match, and reads are the hot path.
  app.use(
    '/events',
    eventsRouter({
      pool,
      events,
      readEvent: createEventReader({ events, cache }),
      auth: deps.auth,
    }),
  );
  app.use(
    healthRouter([
      { name: 'mysql', check: () => pingDb(pool), required: true },
      { name: 'redis', check: () => cache.ping(), required: false },
      ...(deps.extraChecks ?? []),
    ]),
  );
  app.use(metricsRouter());
  app.use(docsRouter(buildOpenApi()));
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
