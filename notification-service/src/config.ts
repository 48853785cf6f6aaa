import { verifyConfigFrom, verifyEnvSchema } from '@ebs/service-kit/auth';
import { baseEnvSchema, environmentWithDotEnv, parseEnv, serviceConfigFrom } from '@ebs/service-kit/config';
import { consumerStallEnvSchema, natsEnvSchema } from '@ebs/service-kit/messaging';
import { z } from 'zod';

const schema = baseEnvSchema.extend({
  ...verifyEnvSchema,
  ...natsEnvSchema,
  ...consumerStallEnvSchema,
  /** Redelivery delay of a message a dead process left unacked. */
  NATS_ACK_WAIT_MS: z.coerce.number().int().min(1000).max(600000).default(10000),
});

/** The only reader of the environment. Throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = environmentWithDotEnv()) {
  const e = parseEnv(schema, env);
  return {
    ...serviceConfigFrom(e),
    auth: verifyConfigFrom(e),
    nats: { url: e.NATS_URL, ackWaitMs: e.NATS_ACK_WAIT_MS, stallAfterMs: e.CONSUMER_STALL_SECONDS * 1000 },
  };
}

export type Config = ReturnType<typeof loadConfig>;
