import { verifyConfigFrom, verifyEnvSchema } from '@ebs/service-kit/auth';
import {
  baseEnvSchema,
  ConfigError,
  environmentWithDotEnv,
  parseEnv,
  serviceConfigFrom,
} from '@ebs/service-kit/config';
import { lockWaitEnvSchema } from '@ebs/service-kit/db';
import { natsEnvSchema } from '@ebs/service-kit/messaging';
import { z } from 'zod';
import type { BookingsStreamLimits } from './messaging/bookings-stream';

const schema = baseEnvSchema.extend({
  ...verifyEnvSchema,
  ...natsEnvSchema,
  ...lockWaitEnvSchema,
  /** How often the relay looks for outbox rows left over (NATS was down, a process died). */
  OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60000).default(500),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** JetStream drops a re-published msgID within this window; the relay may publish a row twice. */
  NATS_DUPLICATE_WINDOW_SECONDS: z.coerce.number().int().min(120).max(86400).default(120),
  /** BOOKINGS stream retention: messages older than this many hours, or past this many bytes, are removed. */
  NATS_STREAM_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(8760).default(168),
  NATS_STREAM_MAX_BYTES: z.coerce.number().int().min(1_048_576).default(1_073_741_824),
  /**
   * Copies of the BOOKINGS stream JetStream keeps: 1 on a single server, 3 on a 3-node cluster (losing one node then
   * loses no message and stops no publish). JetStream allows at most 5.
   */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** A relay's claim on outbox rows lasts this long; past it, another relay may publish them. */
  OUTBOX_LEASE_MS: z.coerce.number().int().min(5000).max(600000).default(30000),
  /** Published outbox rows are deleted after this many hours. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(8760).default(24),
  /** How long a booking may wait for its turn in a rush; past it, 503 UNAVAILABLE with Retry-After. */
  BOOKING_MAX_WAIT_MS: z.coerce.number().int().min(50).max(600000).default(10000),
  /**
   * Bound on each MySQL transaction (and each statement outside one): past it the connection is destroyed, its
   * session killed, the request answered. Default: LOCK_WAIT_TIMEOUT_SECONDS + 2 s (a lock wait fails first, as
   * ER_LOCK_WAIT_TIMEOUT); keep it below BOOKING_MAX_WAIT_MS, so that requests waiting behind a stuck batch get
   * their turn.
   */
  MYSQL_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).optional(),
  /** The most requests of one event one transaction serves (keeps the row lock hold short). */
  BOOKING_GROUP_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** How often expired (> 24 h) Idempotency-Keys are purged, and how many rows one DELETE takes. */
  IDEMPOTENCY_PURGE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(600_000),
  IDEMPOTENCY_PURGE_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** How long a hold (POST /bookings with hold: true) lasts before it expires and its seats come back. */
  HOLD_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** How long a waitlist entry has to confirm the hold offered to it. */
  OFFER_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** The pause between two passes of the hold sweeper (expiry is due within 5 s of expiresAt). */
  HOLD_SWEEP_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  NODE_ENV: z.string().optional(),
  /**
   * TEST ONLY: holds each POST /bookings answer this long after its commit, so a test can SIGKILL a replica
   * between commit and answer. Refused when NODE_ENV=production.
   */
  TEST_HOOK_BOOKING_ANSWER_DELAY_MS: z.coerce.number().int().min(1).max(600_000).optional(),
});

/** The only reader of the environment. Throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = environmentWithDotEnv()) {
  const e = parseEnv(schema, env);
  if (e.TEST_HOOK_BOOKING_ANSWER_DELAY_MS !== undefined && e.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration:\n  TEST_HOOK_BOOKING_ANSWER_DELAY_MS: a test hook, not allowed in production',
    );
  }
  const deadlineMs = e.MYSQL_TRANSACTION_TIMEOUT_MS ?? e.LOCK_WAIT_TIMEOUT_SECONDS * 1000 + 2000;
  // A booking accepted as the drain ends may wait its turn, then its transaction: the shutdown bound outlasts both.
  const service = serviceConfigFrom(e, e.LOCK_WAIT_TIMEOUT_SECONDS, {
    ms: e.BOOKING_MAX_WAIT_MS + deadlineMs,
    names: 'BOOKING_MAX_WAIT_MS + MYSQL_TRANSACTION_TIMEOUT_MS',
    why: 'a booking that arrives as the drain ends may wait that long',
  });
  return {
    ...service,
    db: { ...service.db, deadlineMs },
    auth: verifyConfigFrom(e),
    nats: {
      url: e.NATS_URL,
      stream: {
        duplicateWindowSeconds: e.NATS_DUPLICATE_WINDOW_SECONDS,
        maxAgeHours: e.NATS_STREAM_MAX_AGE_HOURS,
        maxBytes: e.NATS_STREAM_MAX_BYTES,
        replicas: e.NATS_STREAM_REPLICAS,
      } satisfies BookingsStreamLimits,
    },
    outbox: {
      pollMs: e.OUTBOX_POLL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      leaseMs: e.OUTBOX_LEASE_MS,
      retentionHours: e.OUTBOX_RETENTION_HOURS,
    },
    rush: { maxWaitMs: e.BOOKING_MAX_WAIT_MS, maxGroupSize: e.BOOKING_GROUP_SIZE },
    holds: { holdTtlSeconds: e.HOLD_TTL_SECONDS, offerTtlSeconds: e.OFFER_TTL_SECONDS, sweepMs: e.HOLD_SWEEP_MS },
    idempotencyPurge: { everyMs: e.IDEMPOTENCY_PURGE_MS, batchSize: e.IDEMPOTENCY_PURGE_BATCH },
    /** Test-only hooks (absent in production). */
    testHooks: { bookingAnswerDelayMs: e.TEST_HOOK_BOOKING_ANSWER_DELAY_MS },
  };
}

export type Config = ReturnType<typeof loadConfig>;
