import type { Express } from 'express';
import type Redis from 'ioredis';
import type { Pool } from 'mysql2/promise';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { createEventsCache, type EventsCache } from '../../src/data/events.cache';
import type { EventsRepo } from '../../src/data/events.repo';
import { createRedisClient } from '../../src/data/redis-client';
import { createPool } from '../../src/lib/db';
import { createLogger } from '../../src/lib/logger';

/** The config tests run with: this run's database and key prefix, quiet logs unless LOG_LEVEL is set. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...overrides });
}

export type TestApp = { app: Express; pool: Pool; redis: Redis; cache: EventsCache; close: () => Promise<void> };

/** The real app over a real pool and Redis; close() ends both. */
export function createTestApp(
  overrides: NodeJS.ProcessEnv = {},
  opts: { events?: (pool: Pool) => EventsRepo } = {},
): TestApp {
  const config = testConfig(overrides);
  const logger = createLogger('test', config.logLevel);
  const pool = createPool(config.db);
  const redis = createRedisClient(config.redis, logger);
  const cache = createEventsCache(redis, config.redis.ttlSeconds, logger);
  const app = buildApp({
    pool,
    cache,
    logger,
    lockWaitTimeoutSeconds: config.lockWaitTimeoutSeconds,
    events: opts.events?.(pool),
  });
  return {
    app,
    pool,
    redis,
    cache,
    close: async () => {
      redis.disconnect();
      await pool.end();
    },
  };
}
