import { createPool } from '@ebs/service-kit/db';
import { createLogger, type Logger } from '@ebs/service-kit/observability';
import { onOwnDatabase } from '@ebs/test-support';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { createSigningKey } from '../../src/domain/signing-key';

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
    signingKey: createSigningKey(config.auth.privateKey, config.auth),
    tokenTtlSeconds: config.auth.ttlSeconds,
    trustProxy: config.trustProxy,
  });
  return { app, pool, close: () => pool.end() };
}

/** The app over a database of its own, for tests about a whole table (test-support's onOwnDatabase). */
export const createTestAppOnOwnDatabase = (
  overrides: NodeJS.ProcessEnv = {},
): Promise<TestApp & { database: string }> => onOwnDatabase(createTestApp, overrides);
