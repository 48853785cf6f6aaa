import { randomBytes } from 'node:crypto';
import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { migrateDatabase, resolveMysql } from './infra';

// Runs once per jest run: one fresh database for this run, named so runs never collide.
export default async function globalSetup(): Promise<void> {
  const { target, stop } = await resolveMysql();
  const database = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(target, database);
  // Workers inherit this environment; test/support/env.ts reads it back.
  Object.assign(process.env, {
    ...testKeyPairEnv(),
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    MYSQL_DB: database,
  });
  (globalThis as { __stopMysql?: () => Promise<void> }).__stopMysql = stop;
}
