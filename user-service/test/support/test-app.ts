import { randomBytes } from 'node:crypto';
import { createPool } from '@ebs/service-kit/db';
import { createLogger, type Logger } from '@ebs/service-kit/observability';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { createSigningKey } from '../../src/domain/signing-key';
import { migrateDatabase } from './infra';

/** The config tests run with: this run's database and key (from global-setup), quiet logs unless LOG_LEVEL is set. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...overrides });
}

export type TestApp = { app: Express; pool: Pool; close: () => Promise<void> };

/** The real app over a real pool; close() ends the pool. A logger may be given to capture log lines. */
export function createTestApp(overrides: NodeJS.ProcessEnv = {}, opts: { logger?: Logger } = {}): TestApp {
  const config = testConfig(overrides);
  const pool = createPool(config.db);
  const app = buildApp({
    pool,
    logger: opts.logger ?? createLogger('test', config.logLevel),
    signingKey: createSigningKey(config.auth.privateKey),
    tokenTtlSeconds: config.auth.ttlSeconds,
  });
  return { app, pool, close: () => pool.end() };
}

/**
 * The app over a database of its own, migrated like this run's: for tests whose subject is a whole table
 * (its exact total, "newest first" over every row, "nothing was stored"), which suites running beside
 * them in other workers would otherwise change. close() ends the pool and drops the database.
 */
export async function createTestAppOnOwnDatabase(overrides: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const database = `${process.env.MYSQL_DB}_own_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(
    {
      host: process.env.MYSQL_HOST ?? '127.0.0.1',
      port: Number(process.env.MYSQL_PORT),
      user: process.env.MYSQL_USER ?? '',
      password: process.env.MYSQL_PASSWORD ?? '',
    },
    database,
  );
  const own = createTestApp({ ...overrides, MYSQL_DB: database });
  return {
    ...own,
    close: async () => {
      await own.pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await own.close();
    },
  };
}
