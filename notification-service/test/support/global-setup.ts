import { randomBytes } from 'node:crypto';
import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { migrateDatabase, resolveMysql, resolveNats } from './infra';

// Runs once per jest run: a fresh database and a nats-server of this run's own (temporary JetStream
// store), so streams and consumers of one run never meet another's.
export default async function globalSetup(): Promise<void> {
  const mysql = await resolveMysql();
  const database = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(mysql.target, database);
  const nats = await resolveNats();
  Object.assign(process.env, {
    ...testKeyPairEnv(),
    MYSQL_HOST: mysql.target.host,
    MYSQL_PORT: String(mysql.target.port),
    MYSQL_USER: mysql.target.user,
    MYSQL_PASSWORD: mysql.target.password,
    MYSQL_DB: database,
    NATS_URL: nats.url,
  });
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = async () => {
    await nats.stop?.();
    await mysql.stop?.();
  };
}
