// `npm run reset`: drops the database, the BOOKINGS stream and the Redis keys of the prefix, only when told yes.
// Against the MySQL and Redis of the environment (a database and key prefix of its own) and a nats-server of its
// own (the stream of the machine's NATS is never touched).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startOwnNats } from '@ebs/test-support';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import { connect } from 'nats';

const root = path.resolve(import.meta.dirname, '..');
const tag = randomBytes(3).toString('hex');
const database = `ebs_test_reset_${tag}`;
const prefix = `ebs_test_reset_${tag}:`;
const mysqlTarget = {
  host: process.env.MYSQL_HOST || '127.0.0.1',
  port: Number(process.env.MYSQL_PORT || 3306),
  user: process.env.MYSQL_USER || 'root',
  password: process.env.MYSQL_PASSWORD ?? '',
};
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
let nats;
let admin;
let redis;

before(async () => {
  nats = await startOwnNats();
  admin = await mysql.createConnection(mysqlTarget);
  redis = new Redis(redisUrl);
});

after(async () => {
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.end();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.del(`${prefix.slice(0, -1)}-other`);
  redis.disconnect();
  await nats.stop();
  rmSync(nats.storeDir, { recursive: true, force: true });
});

async function makeState() {
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  const nc = await connect({ servers: nats.url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'BOOKINGS', subjects: ['bookings.>'] }).catch(() => {});
  await nc.close();
  await redis.set(`${prefix}event:1`, 'x');
  await redis.set(`${prefix}event:2`, 'y');
  await redis.set(`${prefix.slice(0, -1)}-other`, 'kept');
}

async function state() {
  const [dbs] = await admin.query('SHOW DATABASES LIKE ?', [database]);
  const nc = await connect({ servers: nats.url });
  const jsm = await nc.jetstreamManager();
  const stream = await jsm.streams.info('BOOKINGS').then(
    () => true,
    () => false,
  );
  await nc.close();
  return {
    database: dbs.length === 1,
    stream,
    keys: (await redis.keys(`${prefix}*`)).length,
    other: await redis.get(`${prefix.slice(0, -1)}-other`),
  };
}

function reset(args) {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'reset.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, MYSQL_DB: database, NATS_URL: nats.url, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    out += c;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

describe('npm run reset', { concurrency: false }, () => {
  test('when not told yes (no terminal to ask), then nothing is deleted and it exits 1', async () => {
    await makeState();
    const run = await reset([]);
    assert.equal(run.code, 1, run.out);
    assert.match(run.out, /nothing deleted/i);
    assert.deepEqual(await state(), { database: true, stream: true, keys: 2, other: 'kept' });
  });

  test('when run with --yes, then the database, the stream and the keys of the prefix are gone, and nothing else', async () => {
    await makeState();
    const run = await reset(['--yes']);
    assert.equal(run.code, 0, run.out);
    assert.deepEqual(await state(), { database: false, stream: false, keys: 0, other: 'kept' });
    assert.match(run.out, /2 key\(s\)/);
  });

  test('when there is nothing left to delete, then it says so and exits 0', async () => {
    const run = await reset(['--yes']);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, new RegExp(`no database '${database}'`));
    assert.match(run.out, /no stream BOOKINGS/);
  });
});
