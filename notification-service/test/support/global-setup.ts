import { randomBytes } from 'node:crypto';
import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { migrateDatabase, resolveMysql, resolveNats } from './infra';

// Runs once per jest run: a fresh database and a nats-server per jest worker (temporary JetStream store), so
// streams and consumers never meet another run's, nor those of the suites running at the same time
// (test/support/worker-nats.ts).
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const mysql = await resolveMysql();
  const database = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(mysql.target, database);
  const nats = await Promise.all(Array.from({ length: Math.max(1, globalConfig.maxWorkers) }, () => resolveNats()));
  const natsUrls = nats.map((n) => n.url);
  if (new Set(natsUrls).size !== natsUrls.length)
    throw new Error(
      `jest runs ${natsUrls.length} workers but they would share NATS at ${natsUrls[0]}: install nats-server (each worker gets its own) or run jest -i`,
    );
  Object.assign(process.env, {
    ...testKeyPairEnv(),
    MYSQL_HOST: mysql.target.host,
    MYSQL_PORT: String(mysql.target.port),
    MYSQL_USER: mysql.target.user,
    MYSQL_PASSWORD: mysql.target.password,
    MYSQL_DB: database,
    NATS_URL: natsUrls[0],
    NATS_URLS: natsUrls.join(' '),
  });
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = async () => {
    await Promise.all(nats.map((n) => n.stop?.()));
    await mysql.stop?.();
  };
}
