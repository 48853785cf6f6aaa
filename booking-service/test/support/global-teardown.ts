import mysql from 'mysql2/promise';

export default async function globalTeardown(): Promise<void> {
  const env = process.env;
  const databases = (env.TEST_MYSQL_DBS ?? '').split(',').filter((db) => db.startsWith('ebs_test_'));
  if (databases.length > 0) {
    const conn = await mysql.createConnection({
      host: env.MYSQL_HOST,
      port: Number(env.MYSQL_PORT),
      user: env.MYSQL_USER,
      password: env.MYSQL_PASSWORD,
    });
    for (const db of databases) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.end();
  }
  await (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra?.();
}
