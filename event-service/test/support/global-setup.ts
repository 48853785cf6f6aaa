import { randomBytes } from 'node:crypto';
import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { migrateDatabase, resolveMysql, resolveNats, resolveRedis } from './infra';

// Runs once per jest run: one fresh database and one Redis key prefix for this run, so runs never collide.
export default async function globalSetup(): Promise<void> {
  const mysql = await resolveMysql();
  const redis = await resolveRedis();
  const database = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(mysql.target, database);
  // A nats-server of this run's own where installed (temporary JetStream store): no stream or consumer is shared.
  const nats = await resolveNats();
  // Workers inherit this environment; test/support/test-app.ts reads it back through loadConfig.
  Object.assign(process.env, {
    ...testKeyPairEnv(),
    MYSQL_HOST: mysql.target.host,
    MYSQL_PORT: String(mysql.target.port),
    MYSQL_USER: mysql.target.user,
    MYSQL_PASSWORD: mysql.target.password,
    MYSQL_DB: database,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `${database}:`,
    NATS_URL: nats.url,
  });
  const stops = [mysql.stop, redis.stop, nats.stop].filter((s) => s !== undefined);
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = () => Promise.all(stops.map((s) => s()));
}
