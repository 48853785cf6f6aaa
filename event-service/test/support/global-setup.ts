import { randomBytes } from 'node:crypto';
import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { migrateDatabase, resolveMysql, resolveNats, resolveRedis } from './infra';

// Runs once per jest run: one fresh database and one Redis key prefix for this run, so runs never collide.
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const mysql = await resolveMysql();
  const redis = await resolveRedis();
  const database = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(mysql.target, database);
  // A nats-server per jest worker where installed (temporary JetStream store): no stream or consumer is shared,
  // neither with other runs nor with the suites running at the same time (test/support/worker-nats.ts).
  const nats = await Promise.all(Array.from({ length: Math.max(1, globalConfig.maxWorkers) }, () => resolveNats()));
  const natsUrls = nats.map((n) => n.url);
  if (new Set(natsUrls).size !== natsUrls.length)
    throw new Error(
      `jest runs ${natsUrls.length} workers but they would share NATS at ${natsUrls[0]}: install nats-server (each worker gets its own) or run jest -i`,
    );
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
    NATS_URL: natsUrls[0],
    NATS_URLS: natsUrls.join(' '),
  });
  const stops = [mysql.stop, redis.stop, ...nats.map((n) => n.stop)].filter((s) => s !== undefined);
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = () => Promise.all(stops.map((s) => s()));
}
