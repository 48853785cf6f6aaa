import { createTokenVerifier } from '@ebs/service-kit/auth';
import { createPool } from '@ebs/service-kit/db';
import type { DurableConsumer } from '@ebs/service-kit/messaging';
import { createNatsLink, type NatsLink } from '@ebs/service-kit/messaging';
import { createLogger } from '@ebs/service-kit/observability';
import { onOwnDatabase } from '@ebs/test-support';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { createNotificationsRepo, type NotificationsRepo } from '../../src/data/notifications.repo';
import { createParkedMessagesRepo, type ParkedMessagesRepo } from '../../src/data/parked-messages.repo';
import { startBookingsConsumer } from '../../src/messaging/bookings.consumer';

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...overrides });
}

export type TestApp = {
  app: Express;
  pool: Pool;
  nats: NatsLink;
  consumer: DurableConsumer;
  close: () => Promise<void>;
};

/** The service wired as main.ts wires it, consumer included; `notifications` and `parked` let a test wrap a repository. */
export function createTestApp(
  overrides: NodeJS.ProcessEnv = {},
  opts: {
    notifications?: (repo: NotificationsRepo) => NotificationsRepo;
    parked?: (repo: ParkedMessagesRepo) => ParkedMessagesRepo;
    retryBaseMs?: number;
  } = {},
): TestApp {
  const config = testConfig(overrides);
  const logger = createLogger('test', config.logLevel);
  const pool = createPool(config.db);
  const base = createNotificationsRepo(pool);
  const notifications = opts.notifications ? opts.notifications(base) : base;
  const nats = createNatsLink({ url: config.nats.url, name: 'notification-test', logger });
  const consumer = startBookingsConsumer({
    nats,
    notifications,
    parked: opts.parked ? opts.parked(createParkedMessagesRepo(pool)) : createParkedMessagesRepo(pool),
    logger,
    ackWaitMs: config.nats.ackWaitMs,
    retryBaseMs: opts.retryBaseMs,
    stallAfterMs: config.nats.stallAfterMs,
  });
  const app = buildApp({
    pool,
    notifications,
    logger,
    auth: createTokenVerifier(config.auth, logger),
    natsConnected: nats.isConnected,
    consumers: [consumer],
  });
  return {
    app,
    pool,
    nats,
    consumer,
    close: async () => {
      await consumer.stop();
      await nats.close();
      await pool.end();
    },
  };
}

/** The service over a database of its own, for tests about a whole table (test-support's onOwnDatabase). */
export const createTestAppOnOwnDatabase = (
  overrides: NodeJS.ProcessEnv = {},
): Promise<TestApp & { database: string }> => onOwnDatabase(createTestApp, overrides);
