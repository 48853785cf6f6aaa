import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { migrateDatabase } from './migrate';
import { resolveMysql, resolveNats, resolveRedis } from './resolve';

// One jest run of one package: what it starts (global setup), what each test file picks (worker setup) and
// what it removes (global teardown). Every run gets databases named ebs_test_<pid>_<random>, so runs never
// collide; jest's workers inherit the environment the setup writes.

export type TestRunOptions = {
  /**
   * 'shared': one database for the run (suites assert only on their own rows); 'per-worker': one per jest
   * worker, for code under test that works on whole tables by design (an outbox relay, a purge); 'none': the
   * tests make their own (the migration tests, the e2e stacks) and only need to know where MySQL is.
   */
  databases: 'shared' | 'per-worker' | 'none';
  /** 'none', one nats-server for the run, or one per jest worker (durable consumers, pending counts, metrics). */
  nats: 'none' | 'one' | 'per-worker';
  /** A Redis key prefix of this run's own (removed at the end). */
  redis?: boolean;
  /** More environment for the workers (the run's token key pair). */
  env?: () => Record<string, string>;
};

type Stop = () => Promise<void>;
const stops = globalThis as { __ebsTestRunStops?: Stop[] };

/** jest globalSetup: finds MySQL (Redis, NATS) by test-support's rule, migrates this run's databases. */
export function testRunSetup(opts: TestRunOptions): (globalConfig: { maxWorkers: number }) => Promise<void> {
  return async (globalConfig) => {
    const workers = Math.max(1, globalConfig.maxWorkers);
    const db = await resolveMysql();
    const base = `ebs_test_${process.pid}_${randomBytes(3).toString('hex')}`;
    const databases =
      opts.databases === 'none'
        ? []
        : opts.databases === 'per-worker'
          ? Array.from({ length: workers }, (_, i) => `${base}_w${i + 1}`)
          : [base];
    await Promise.all(databases.map((database) => migrateDatabase(db.target, database)));
    const redis = opts.redis ? await resolveRedis() : undefined;
    const nats = await Promise.all(
      Array.from({ length: opts.nats === 'none' ? 0 : opts.nats === 'one' ? 1 : workers }, () => resolveNats()),
    );
    const natsUrls = nats.map((n) => n.url);
    if (new Set(natsUrls).size !== natsUrls.length)
      throw new Error(
        `jest runs ${natsUrls.length} workers but they would share NATS at ${natsUrls[0]}: install nats-server (each worker gets its own) or run jest -i`,
      );
    Object.assign(process.env, {
      ...opts.env?.(),
      MYSQL_HOST: db.target.host,
      MYSQL_PORT: String(db.target.port),
      MYSQL_USER: db.target.user,
      MYSQL_PASSWORD: db.target.password,
      ...(databases.length > 0 ? { MYSQL_DB: databases[0], TEST_MYSQL_DBS: databases.join(',') } : {}),
      ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${base}:` } : {}),
      ...(natsUrls.length > 0 ? { NATS_URL: natsUrls[0], NATS_URLS: natsUrls.join(' ') } : {}),
    });
    stops.__ebsTestRunStops = [db.stop, redis?.stop, ...nats.map((n) => n.stop)].filter(
      (s): s is Stop => s !== undefined,
    );
  };
}

/**
 * jest setupFiles: runs in each test file before it loads and points it at its worker's own database and
 * nats-server where the run made one per worker.
 */
export function useWorkerInfra(env: NodeJS.ProcessEnv = process.env): void {
  const worker = Number(env.JEST_WORKER_ID ?? '1');
  const databases = (env.TEST_MYSQL_DBS ?? '').split(',').filter(Boolean);
  if (databases.length > 1) {
    const database = databases[worker - 1];
    if (database === undefined)
      throw new Error(`no test database for jest worker ${worker} (${databases.length} made)`);
    env.MYSQL_DB = database;
  }
  const natsUrls = (env.NATS_URLS ?? '').split(' ').filter(Boolean);
  const own = natsUrls[worker - 1];
  if (natsUrls.length > 1 && own) env.NATS_URL = own;
}

/** jest globalTeardown: drops this run's databases, removes its Redis keys, stops what the setup started. */
export async function testRunTeardown(): Promise<void> {
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
  if (env.REDIS_URL && env.REDIS_KEY_PREFIX?.startsWith('ebs_test_')) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(env.REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  await Promise.all((stops.__ebsTestRunStops ?? []).map((s) => s()));
}

/**
 * An app (as `create` builds it) over a database of its own, migrated like the run's: for tests whose subject
 * is a whole table (its exact total, "newest first" over every row, "nothing was stored"), which suites running
 * beside them in other workers would otherwise change. close() drops the database, then closes the app.
 */
export async function onOwnDatabase<
  T extends { pool: { query: (sql: string) => Promise<unknown> }; close: () => Promise<void> },
>(create: (env: NodeJS.ProcessEnv) => T, overrides: NodeJS.ProcessEnv = {}): Promise<T & { database: string }> {
  const env = process.env;
  const database = `${env.MYSQL_DB}_own_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(
    {
      host: env.MYSQL_HOST ?? '127.0.0.1',
      port: Number(env.MYSQL_PORT),
      user: env.MYSQL_USER ?? '',
      password: env.MYSQL_PASSWORD ?? '',
    },
    database,
  );
  const own = create({ ...overrides, MYSQL_DB: database });
  return {
    ...own,
    database,
    close: async () => {
      await own.pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await own.close();
    },
  };
}
