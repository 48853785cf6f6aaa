import { createTokenVerifier } from '@ebs/service-kit/auth';
import { createPool } from '@ebs/service-kit/db';
import { createNatsLink, type NatsLink, parkInMysql } from '@ebs/service-kit/messaging';
import { createLogger } from '@ebs/service-kit/observability';
import { onOwnDatabase } from '@ebs/test-support';
import type { Express } from 'express';
import type Redis from 'ioredis';
import type { Pool } from 'mysql2/promise';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { createEventsCache, type EventsCache } from '../../src/data/events.cache';
import { createEventsRepo, type EventsRepo } from '../../src/data/events.repo';
import { createRedisClient } from '../../src/data/redis-client';
import { startCacheRefreshConsumer } from '../../src/messaging/cache-refresh.consumer';

/** The config tests run with: this run's database and key prefix, quiet logs unless LOG_LEVEL is set. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...overrides });
}

export type TestApp = {
  app: Express;
  pool: Pool;
  redis: Redis;
  cache: EventsCache;
  nats?: NatsLink;
  close: () => Promise<void>;
};

/** The real app over a real pool and Redis; close() ends both. */
export function createTestApp(
  overrides: NodeJS.ProcessEnv = {},
  opts: { events?: (pool: Pool) => EventsRepo; withConsumer?: boolean } = {},
): TestApp {
  const config = testConfig(overrides);
  const logger = createLogger('test', config.logLevel);
  const pool = createPool(config.db);
  const redis = createRedisClient(config.redis, logger);
  const cache = createEventsCache(redis, config.redis.ttlSeconds);
  const events = opts.events ? opts.events(pool) : createEventsRepo(pool);
  const nats = opts.withConsumer ? createNatsLink({ url: config.nats.url, name: 'event-test', logger }) : undefined;
  const consumer = nats
    ? startCacheRefreshConsumer({
        nats,
        events,
        cache,
        park: parkInMysql(pool),
        logger,
        stallAfterMs: config.nats.stallAfterMs,
      })
    : undefined;
  const app = buildApp({
    pool,
    cache,
    logger,
    auth: createTokenVerifier(config.auth, logger),
    events,
    // With its consumer, /ready reports nats as main.ts wires it.
    ...(nats && consumer ? { natsConnected: nats.isConnected, consumers: [consumer] } : {}),
  });
  return {
    app,
    pool,
    redis,
    cache,
    nats,
    close: async () => {
      await consumer?.stop();
      await nats?.close();
      redis.disconnect();
      await pool.end();
    },
  };
}

/** The app over a database of its own, for tests about a whole table (test-support's onOwnDatabase). */
export const createTestAppOnOwnDatabase = (
  overrides: NodeJS.ProcessEnv = {},
): Promise<TestApp & { database: string }> => onOwnDatabase(createTestApp, overrides);
