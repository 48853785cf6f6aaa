import { resolveMysql } from '@ebs/test-support';

// Runs once per jest run: finds MySQL by the rule every package follows (test-support), so the tests'
// loadConfig(process.env) points at it. Each test still makes a database of its own.
export default async function globalSetup(): Promise<void> {
  const mysql = await resolveMysql();
  Object.assign(process.env, {
    MYSQL_HOST: mysql.target.host,
    MYSQL_PORT: String(mysql.target.port),
    MYSQL_USER: mysql.target.user,
    MYSQL_PASSWORD: mysql.target.password,
  });
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = async () => mysql.stop?.();
}
