import type { Logger } from '@ebs/service-kit/observability';
import Redis from 'ioredis';

/**
 * A Redis client that never makes a request wait on Redis: no offline queue (commands fail at once while
 * disconnected), a short per-command timeout, and endless background reconnects. The cache is optional,
 * so every failure is the caller's cue to use MySQL.
 */
export function createRedisClient(
  cfg: { url: string; keyPrefix: string; commandTimeoutMs: number },
  logger: Logger,
): Redis {
  const redis = new Redis(cfg.url, {
    keyPrefix: cfg.keyPrefix,
    enableOfflineQueue: false,
    commandTimeout: cfg.commandTimeoutMs,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  let down = false;
  redis.on('ready', () => {
    if (down) logger.info('redis is back');
    down = false;
  });
  redis.on('error', (err: Error) => {
    // Logged once per outage, not once per reconnect attempt.
    if (!down) logger.warn({ err: err.message }, 'redis unavailable, reads fall back to MySQL');
    down = true;
  });
  return redis;
}
