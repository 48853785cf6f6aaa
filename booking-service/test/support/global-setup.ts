import { randomBytes } from 'node:crypto';
import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { migrateDatabase, resolveMysql, resolveNats } from './infra';

// Runs once per jest run: fresh databases and a nats-server of this run's own (temporary JetStream store), so
// streams and consumers of one run never meet another's. One database per jest worker (worker-db.ts picks a
// suite's by JEST_WORKER_ID): the outbox relay, the backlog gauge and the key purge work on whole tables by
// design, so suites that run at the same time must not share them; the suites of one worker run one after
// another, as they always did.
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const mysql = await resolveMysql();
  const base = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const workers = Math.max(1, globalConfig.maxWorkers);
  const databases = Array.from({ length: workers }, (_, i) => `${base}_w${i + 1}`);
  await Promise.all(databases.map((database) => migrateDatabase(mysql.target, database)));
  const nats = await resolveNats();
  Object.assign(process.env, {
    ...testKeyPairEnv(),
    MYSQL_HOST: mysql.target.host,
    MYSQL_PORT: String(mysql.target.port),
    MYSQL_USER: mysql.target.user,
    MYSQL_PASSWORD: mysql.target.password,
    MYSQL_DB: databases[0],
    TEST_MYSQL_DBS: databases.join(','),
    NATS_URL: nats.url,
  });
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = async () => {
    await nats.stop?.();
    await mysql.stop?.();
  };
}
