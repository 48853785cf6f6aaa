import { buildApp } from './app';
import { loadConfig } from './config';
import { createEventsCache } from './data/events.cache';
import { createRedisClient } from './data/redis-client';
import { ConfigError } from './lib/config-helpers';
import { createPool } from './lib/db';
import { createLogger } from './lib/logger';
import { installShutdown } from './lib/shutdown';

const SERVICE = 'event-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel);
  const pool = createPool(config.db);
  const redis = createRedisClient(config.redis, logger);
  const cache = createEventsCache(redis, config.redis.ttlSeconds, logger);
  const app = buildApp({ pool, cache, logger, lockWaitTimeoutSeconds: config.lockWaitTimeoutSeconds });
  const server = app.listen(config.port, () => logger.info({ port: config.port }, `${SERVICE} listening`));
  server.on('error', (err) => {
    logger.fatal({ err }, 'server failed to start');
    process.exit(1);
  });
  installShutdown({
    logger,
    server,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [
      { name: 'redis', close: () => redis.quit().catch(() => redis.disconnect()) },
      { name: 'mysql pool', close: () => pool.end() },
    ],
  });
}

try {
  main();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`${SERVICE}: ${err.message}`);
  process.exit(1);
}
