import mysql from 'mysql2/promise';

export default async function globalTeardown(): Promise<void> {
  const env = process.env;
  if (env.MYSQL_DB?.startsWith('ebs_test_')) {
    const conn = await mysql.createConnection({
      host: env.MYSQL_HOST,
      port: Number(env.MYSQL_PORT),
      user: env.MYSQL_USER,
      password: env.MYSQL_PASSWORD,
    });
    await conn.query(`DROP DATABASE IF EXISTS \`${env.MYSQL_DB}\``);
    await conn.end();
  }
  await (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra?.();
}
