import { verifyConfigFrom, verifyEnvSchema } from '@ebs/service-kit/auth';
import { baseEnvSchema, environmentWithDotEnv, parseEnv, serviceConfigFrom } from '@ebs/service-kit/config';
import { lockWaitEnvSchema } from '@ebs/service-kit/db';
import { consumerStallEnvSchema, natsEnvSchema } from '@ebs/service-kit/messaging';
import { z } from 'zod';

const schema = baseEnvSchema.extend({
  ...verifyEnvSchema,
  ...natsEnvSchema,
  ...consumerStallEnvSchema,
  ...lockWaitEnvSchema,
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key this service writes (tests give each run its own). */
  REDIS_KEY_PREFIX: z.string().max(100).default('ebs:'),
  /** Bound on one Redis command: past it the read falls back to MySQL. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(10000).default(250),
  CACHE_TTL: z.coerce.number().int().min(1).max(86400).default(60),
});

/** The only reader of the environment. Throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = environmentWithDotEnv()) {
  const e = parseEnv(schema, env);
  return {
    ...serviceConfigFrom(e, e.LOCK_WAIT_TIMEOUT_SECONDS),
    auth: verifyConfigFrom(e),
    redis: {
      url: e.REDIS_URL,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      ttlSeconds: e.CACHE_TTL,
    },
    nats: { url: e.NATS_URL, stallAfterMs: e.CONSUMER_STALL_SECONDS * 1000 },
  };
}

export type Config = ReturnType<typeof loadConfig>;
