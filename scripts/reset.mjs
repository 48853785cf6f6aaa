// `npm run reset [-- --yes]`: forgets the local state of `npm start`, after asking (or at once with --yes):
// drops the database MYSQL_DB (as MYSQL_ADMIN_USER when set, else MYSQL_USER), deletes the JetStream stream
// BOOKINGS (its messages and its durable consumers) at NATS_URL, and deletes the Redis keys under
// REDIS_KEY_PREFIX (default `ebs:`) at REDIS_URL. Settings as the services read them: the environment, then .env,
// then the defaults. The next `npm start` migrates a fresh database and booking-service makes the stream again.
// Stop `npm start` first. Exit 0 when all three are done (a missing database, stream or key counts as done),
// 1 when one of them could not be reached; each is tried whatever happened to the others.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { BOOKINGS_STREAM } from '@ebs/contracts';
import dotenv from 'dotenv';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import { connect } from 'nats';
import { isLocalMysqlHost } from './dev-keys.mjs';

const root = path.resolve(import.meta.dirname, '..');
const envFile = path.join(root, '.env');
const fileEnv = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
const setting = (name, fallback = '') => process.env[name] || fileEnv[name] || fallback;

const mysqlServer = { host: setting('MYSQL_HOST', '127.0.0.1'), port: Number(setting('MYSQL_PORT', '3306')) };
const database = setting('MYSQL_DB', 'ebs');
// A reset is for a development machine: MySQL elsewhere (a shared or production server) is refused unless asked.
if (!isLocalMysqlHost(mysqlServer.host) && !process.argv.includes('--remote')) {
  console.error(
    `MYSQL_HOST is ${mysqlServer.host}, not this machine: npm run reset drops only a local database (add --remote to mean it)`,
  );
  process.exit(1);
}
if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
  console.error(`MYSQL_DB '${database}' is not a database name (letters, digits and _ only)`);
  process.exit(1);
}
const account = setting('MYSQL_ADMIN_USER')
  ? { user: setting('MYSQL_ADMIN_USER'), password: setting('MYSQL_ADMIN_PASSWORD') }
  : { user: setting('MYSQL_USER', 'root'), password: setting('MYSQL_PASSWORD') };
const natsUrl = setting('NATS_URL', 'nats://127.0.0.1:4222');
const redisUrl = setting('REDIS_URL', 'redis://127.0.0.1:6379');
const keyPrefix = setting('REDIS_KEY_PREFIX', 'ebs:');
const hidePassword = (url) => url.replace(/\/\/[^@/]*@/, '//***@');

const what = [
  `MySQL database '${database}' at ${mysqlServer.host}:${mysqlServer.port}`,
  `NATS stream ${BOOKINGS_STREAM} at ${hidePassword(natsUrl)}`,
  `Redis keys '${keyPrefix}*' at ${hidePassword(redisUrl)}`,
];
console.log(`This deletes, for good:\n${what.map((w) => `  - ${w}`).join('\n')}`);
if (!process.argv.includes('--yes')) {
  if (!process.stdin.isTTY) {
    console.error('Not a terminal: nothing deleted. Run `npm run reset -- --yes` to reset without asking.');
    process.exit(1);
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question('Type yes to go on: ');
  rl.close();
  if (answer.trim().toLowerCase() !== 'yes') {
    console.log('Nothing deleted.');
    process.exit(1);
  }
}

let failed = false;
async function step(name, run) {
  try {
    console.log(`${name}: ${await run()}`);
  } catch (err) {
    failed = true;
    console.error(`${name}: failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

await step('MySQL', async () => {
  const conn = await mysql.createConnection({ ...mysqlServer, ...account, connectTimeout: 5_000 });
  try {
    const [rows] = await conn.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      database,
    ]);
    if (rows.length === 0) return `no database '${database}'`;
    await conn.query(`DROP DATABASE \`${database}\``);
    return `database '${database}' dropped`;
  } finally {
    await conn.end();
  }
});

await step('NATS', async () => {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 5_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.streams.delete(BOOKINGS_STREAM);
      return `stream ${BOOKINGS_STREAM} deleted`;
    } catch (err) {
      if (/stream not found/i.test(String(err?.message))) return `no stream ${BOOKINGS_STREAM}`;
      throw err;
    }
  } finally {
    await nc.close();
  }
});

await step('Redis', async () => {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5_000 });
  redis.on('error', () => {}); // the step reports it
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return `${deleted} key(s) under '${keyPrefix}' deleted`;
  } finally {
    redis.disconnect();
  }
});

process.exit(failed ? 1 : 0);
