import type { TokenVerifier } from '@ebs/service-kit/auth';
import { mysqlCheck } from '@ebs/service-kit/db';
import { createServiceApp } from '@ebs/service-kit/lifecycle';
import { natsCheck } from '@ebs/service-kit/messaging';
import type { Logger } from '@ebs/service-kit/observability';
import type { Express } from 'express';
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
  /** NATS is reported by /ready (never required: reads do not need it) when the service has a link. */
  natsConnected?: () => boolean;
  /** Its cache-refresh consumer: /ready reports nats down while it has been unable to consume for longer than its bound. */
  consumers?: ReadonlyArray<{ stalled: () => boolean }>;
  /** Defaults to the MySQL repository over pool; tests pass one they observe. */
  events?: EventsRepo;
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, cache, logger } = deps;
  const events = deps.events ?? createEventsRepo(pool);
  return createServiceApp({
    logger,
    routes: (app) =>
      app.use(
        '/events',
        eventsRouter({ pool, events, readEvent: createEventReader({ events, cache }), auth: deps.auth }),
      ),
    checks: [
      mysqlCheck(pool),
      { name: 'redis', check: () => cache.ping(), required: false },
      ...(deps.natsConnected ? [natsCheck(deps.natsConnected, deps.consumers)] : []),
    ],
    openApi: buildOpenApi(),
  });
}
