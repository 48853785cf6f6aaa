import path from 'node:path';
import dotenv from 'dotenv';
import { baseEnvSchema, dbConfigFrom, httpConfigFrom, parseEnv } from './lib/config-helpers';
import type { DbConfig } from './lib/db';
import type { HttpConfig } from './lib/serve';

export type Config = {
  port: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  http: HttpConfig;
  db: DbConfig;
};

/** The only reader of the environment. Throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = readEnv()): Config {
  const e = parseEnv(baseEnvSchema, env);
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    http: httpConfigFrom(e),
    db: dbConfigFrom(e),
  };
}

/** .env in the working folder or its parent (the repo root); variables already set win. */
function readEnv(): NodeJS.ProcessEnv {
  dotenv.config({
    path: [path.resolve(process.cwd(), '.env'), path.resolve(process.cwd(), '..', '.env')],
    quiet: true,
  });
  return process.env;
}
