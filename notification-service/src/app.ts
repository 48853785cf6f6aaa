import type { TokenVerifier } from '@ebs/service-kit/auth';
import { mysqlCheck } from '@ebs/service-kit/db';
import { createServiceApp } from '@ebs/service-kit/lifecycle';
import { natsCheck } from '@ebs/service-kit/messaging';
import type { Logger } from '@ebs/service-kit/observability';
import type { Express } from 'express';
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
  /** Its consumer: /ready reports nats down while it has been unable to consume for longer than its bound. */
  consumers?: ReadonlyArray<{ stalled: () => boolean }>;
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    routes: (app) => app.use('/notifications', notificationsRouter(deps)),
    checks: [mysqlCheck(deps.pool), natsCheck(deps.natsConnected, deps.consumers)],
    openApi: buildOpenApi(),
  });
}
