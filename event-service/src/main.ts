import { createTokenVerifier } from '@ebs/service-kit/auth';
import { createPool } from '@ebs/service-kit/db';
import { runService, serve } from '@ebs/service-kit/lifecycle';
import { createNatsLink, parkInMysql } from '@ebs/service-kit/messaging';
import { createLogger } from '@ebs/service-kit/observability';
import { buildApp } from './app';
import { loadConfig } from './config';
import { createEventsCache } from './data/events.cache';
import { createEventsRepo } from './data/events.repo';
import { createRedisClient } from './data/redis-client';
import { startCacheRefreshConsumer } from './messaging/cache-refresh.consumer';

const SERVICE = 'event-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel, config.logPretty);
  const pool = createPool(config.db);
  const redis = createRedisClient(config.redis, logger);
  const cache = createEventsCache(redis, config.redis.ttlSeconds);
  const events = createEventsRepo(pool);
  const nats = createNatsLink({ url: config.nats.url, name: SERVICE, logger });
  const cacheRefresh = startCacheRefreshConsumer({
    nats,
    events,
    cache,
    park: parkInMysql(pool),
    logger,
    stallAfterMs: config.nats.stallAfterMs,
  });
  const auth = createTokenVerifier(config.auth, logger);
  void auth.warmUp();
  const app = buildApp({
    pool,
    cache,
    events,
    logger,
    auth,
    natsConnected: nats.isConnected,
    consumers: [cacheRefresh],
  });
  // What closes on SIGTERM, in order, once the drain is over.
  const closing = [
    // Stop pulling and finish (and ack) the message in hand, then drain NATS, then Redis and MySQL.
    { name: 'cache-refresh consumer', close: () => cacheRefresh.stop() },
    { name: 'nats', close: () => nats.close() },
    { name: 'redis', close: () => redis.quit().catch(() => redis.disconnect()) },
    { name: 'mysql pool', close: () => pool.end() },
  ];
  serve({ app, service: SERVICE, logger, config, steps: closing });
}

runService(SERVICE, main);
