import { resolveMysql, resolveRedis } from '@ebs/test-support';

// Runs once per jest run: finds MySQL and Redis by the rule every package follows (test-support); each
// stack (support/stack.ts) then makes its own database, Redis key prefix and nats-server on them.
export default async function globalSetup(): Promise<void> {
  const mysql = await resolveMysql();
  const redis = await resolveRedis();
  Object.assign(process.env, {
    MYSQL_HOST: mysql.target.host,
    MYSQL_PORT: String(mysql.target.port),
    MYSQL_USER: mysql.target.user,
    MYSQL_PASSWORD: mysql.target.password,
    REDIS_URL: redis.url,
  });
  const stops = [mysql.stop, redis.stop].filter((s) => s !== undefined);
  (globalThis as { __stopInfra?: () => Promise<unknown> }).__stopInfra = () => Promise.all(stops.map((s) => s()));
}
