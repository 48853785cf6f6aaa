import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';
import type { DbConfig } from '../db/pool';

// Building blocks for each service's config.ts, which alone reads process.env and passes it here.

export const portSchema = z.coerce.number().int().min(1).max(65535);

/** The variables every service shares (docs/configuration.md), with their defaults. */
export const baseEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // The address the HTTP server listens on: this machine only unless told otherwise. Containers (compose, k8s) set
  // 0.0.0.0, or nothing outside the container could reach the service.
  BIND_ADDRESS: z.string().min(1).default('127.0.0.1'),
  MYSQL_HOST: z.string().min(1).default('127.0.0.1'),
  MYSQL_PORT: portSchema.default(3306),
  MYSQL_USER: z.string().min(1).default('root'),
  MYSQL_PASSWORD: z.string().default(''),
  MYSQL_DB: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only, at most 64')
    .default('ebs'),
  MYSQL_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  // A memory bound on requests waiting for a connection, not a burst shedder: a burst waits its turn (bookings
  // wait at most BOOKING_MAX_WAIT_MS). At least 1: mysql2 reads 0 as "no limit".
  MYSQL_QUEUE_LIMIT: z.coerce.number().int().min(1).max(100000).default(10000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable logs (pino-pretty, when installed) instead of JSON; the root `npm start` sets it. */
  LOG_PRETTY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  // Default 8000, or the service's longest request + 1 s when it names one (httpConfigFrom).
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).optional(),
  // On SIGTERM /ready answers 503 at once, requests are still served this long (so load balancers and
  // k8s endpoints stop sending), then the server closes (k8s preStop equivalent).
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(60000).default(5000),
  // Slow clients: a request's headers must arrive within HTTP_HEADERS_TIMEOUT_MS and the whole request
  // within HTTP_REQUEST_TIMEOUT_MS (Node's default is 300 s); an idle keep-alive socket closes after
  // HTTP_KEEP_ALIVE_TIMEOUT_MS. That must outlast the idle timeout of a proxy in front (nginx keeps idle upstream
  // connections 60 s, AWS load balancers 60 s): closed first by the service, a socket the proxy has just picked
  // for a POST fails it with a 502. Node's default, 5 s, does that at low traffic.
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(500).max(120000).default(10000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(600000).default(30000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(65000),
});

export type HttpConfig = {
  /** After SIGTERM: /ready answers 503 and requests are still served this long, then the server closes. */
  drainMs: number;
  /** Bound on closing (server, then the steps) after the drain; past it the process exits 1. */
  shutdownTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment with a zod schema. An empty value counts as unset, so `MYSQL_PORT=` in .env
 * falls back to the default. Throws a ConfigError whose message names every invalid variable.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The MySQL pool settings from parsed variables; lockWaitTimeoutSeconds for services that take row locks. */
export function dbConfigFrom(e: z.output<typeof baseEnvSchema>, lockWaitTimeoutSeconds?: number): DbConfig {
  return {
    host: e.MYSQL_HOST,
    port: e.MYSQL_PORT,
    user: e.MYSQL_USER,
    password: e.MYSQL_PASSWORD,
    database: e.MYSQL_DB,
    connectionLimit: e.MYSQL_POOL_SIZE,
    queueLimit: e.MYSQL_QUEUE_LIMIT,
    lockWaitTimeoutSeconds,
  };
}

/**
 * What a service's longest request may take once it is accepted (booking-service: its turn in a rush, then its
 * transaction), named by the variables that make it up, for the refusal message.
 */
export type LongestRequest = { ms: number; names: string; why: string };

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8000;

/**
 * After the drain, in-flight requests are waited for up to SHUTDOWN_TIMEOUT_MS, then the process exits. A request
 * accepted as the drain ended must be able to finish, or its client gets a reset instead of the answer: with a
 * longest request named, the default is that plus 1 s, and a value set that does not outlast it is refused.
 */
function shutdownTimeoutMs(set: number | undefined, longest?: LongestRequest): number {
  if (set === undefined) return longest ? longest.ms + 1000 : DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (longest && set <= longest.ms) {
    throw new ConfigError(
      `Invalid configuration:\n  SHUTDOWN_TIMEOUT_MS: must exceed ${longest.names} (${longest.ms} ms): ${longest.why}`,
    );
  }
  return set;
}

/** The HTTP server's limits and shutdown timing from parsed variables (lib/serve.ts applies them). */
export function httpConfigFrom(e: z.output<typeof baseEnvSchema>, longestRequest?: LongestRequest): HttpConfig {
  return {
    drainMs: e.SHUTDOWN_DRAIN_MS,
    shutdownTimeoutMs: shutdownTimeoutMs(e.SHUTDOWN_TIMEOUT_MS, longestRequest),
    // Node refuses a headers timeout above the request timeout.
    headersTimeoutMs: Math.min(e.HTTP_HEADERS_TIMEOUT_MS, e.HTTP_REQUEST_TIMEOUT_MS),
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}

/**
 * What every service's config holds, from the shared variables: port, logs, the HTTP server's bounds and the
 * MySQL pool (lockWaitTimeoutSeconds for services that take row locks).
 */
export function serviceConfigFrom(
  e: z.output<typeof baseEnvSchema>,
  lockWaitTimeoutSeconds?: number,
  longestRequest?: LongestRequest,
) {
  return {
    port: e.PORT,
    host: e.BIND_ADDRESS,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    http: httpConfigFrom(e, longestRequest),
    db: dbConfigFrom(e, lockWaitTimeoutSeconds),
  };
}

/**
 * The environment, with .env from the working folder or its parent (the repository root) loaded into it;
 * variables already set win. A service's config.ts, the only reader of the environment, calls it.
 */
export function environmentWithDotEnv(): NodeJS.ProcessEnv {
  dotenv.config({
    path: [path.resolve(process.cwd(), '.env'), path.resolve(process.cwd(), '..', '.env')],
    quiet: true,
  });
  return process.env;
}
