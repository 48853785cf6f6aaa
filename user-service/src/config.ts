import path from 'node:path';
import dotenv from 'dotenv';
import { baseEnvSchema, dbConfigFrom, parseEnv } from './lib/config-helpers';
import type { DbConfig } from './lib/db';

export type Config = {
  port: number;
  logLevel: string;
  logPretty: boolean;
  shutdownTimeoutMs: number;
  db: DbConfig;
};

/** The only reader of the environment. Throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = readEnv()): Config {
  const e = parseEnv(baseEnvSchema, env);
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
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
