// `npm start` stops every process of it on SIGTERM or SIGINT to any one of them and exits 0, leaving ports
// 3001-3004 free (the next `npm start` must not fail with EADDRINUSE). Runs the real `npm start` on those
// ports against the MySQL/Redis/NATS of the environment or .env, with a database of its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import mysql from 'mysql2/promise';

const root = path.resolve(import.meta.dirname, '..');
const PORTS = [3001, 3002, 3003, 3004];
const database = `ebs_test_start_${randomBytes(3).toString('hex')}`;

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, () => srv.close(() => resolve(true)));
  });
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts `npm start` and resolves once every service answers /health; `exited` resolves with npm's exit. */
async function startAll() {
  for (const port of PORTS) assert.ok(await portFree(port), `port ${port} must be free before the test`);
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, MYSQL_DB: database, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (c) => {
    output += c;
  });
  npm.stderr.on('data', (c) => {
    output += c;
  });
  const exited = new Promise((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  const healthy = async () => {
    const answers = await Promise.all(
      PORTS.map((p) =>
        fetch(`http://127.0.0.1:${p}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    return answers.every(Boolean);
  };
  await waitFor(
    async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      return healthy();
    },
    60_000,
    'npm start to answer on 3001-3004',
  );
  return { npm, exited, output: () => output };
}

/** Pids of the processes whose command line contains `needle` and that descend from `ancestor`. */
async function descendants(ancestor) {
  const { readdirSync, readFileSync } = await import('node:fs');
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const out = [];
  for (const pid of parentOf.keys()) {
    for (let p = parentOf.get(pid); p && p > 1; p = parentOf.get(p)) {
      if (p === ancestor) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

async function expectAllStopped(run, survivors) {
  const result = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
  assert.notEqual(result, 'timeout', `npm start did not exit within 30 s:\n${run.output()}`);
  assert.deepEqual(result, { code: 0, signal: null }, run.output());
  const alive = survivors.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  assert.deepEqual(alive, [], 'every process of npm start has exited');
  for (const port of PORTS) assert.ok(await portFree(port), `port ${port} is free again`);
}

after(async () => {
  const conn = await mysql.createConnection({
    host: process.env.MYSQL_HOST || '127.0.0.1',
    port: Number(process.env.MYSQL_PORT || 3306),
    user: process.env.MYSQL_USER || 'root',
    password: process.env.MYSQL_PASSWORD ?? '',
  });
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.end();
});

describe('npm start signals', { concurrency: false }, () => {
  test('when the npm process gets SIGTERM, then every service stops, ports 3001-3004 are free and npm exits 0', async () => {
    const run = await startAll();
    const pids = await descendants(run.npm.pid);
    assert.ok(pids.length >= 5, `start-local and four services run under npm (${pids.length})`);
    run.npm.kill('SIGTERM');
    await expectAllStopped(run, pids);
  });

  test('when the npm process gets SIGINT, then every service stops, ports 3001-3004 are free and npm exits 0', async () => {
    const run = await startAll();
    const pids = await descendants(run.npm.pid);
    run.npm.kill('SIGINT');
    await expectAllStopped(run, pids);
  });

  test('when one service gets SIGTERM, then the others stop too and npm exits 0', async () => {
    const run = await startAll();
    const pids = await descendants(run.npm.pid);
    const { readlinkSync } = await import('node:fs');
    const service = pids.find((pid) => readlinkSync(`/proc/${pid}/cwd`).endsWith('booking-service'));
    assert.ok(service, 'booking-service runs under npm');
    process.kill(Number(service), 'SIGTERM');
    await expectAllStopped(run, pids);
  });

  test('when start-local gets SIGINT, then every service stops and npm exits 0', async () => {
    const run = await startAll();
    const pids = await descendants(run.npm.pid);
    const { readFileSync } = await import('node:fs');
    const startLocal = pids.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-local.mjs'));
    assert.ok(startLocal, 'start-local.mjs runs under npm');
    process.kill(startLocal, 'SIGINT');
    await expectAllStopped(run, pids);
  });
});

// Start-up failures (issue 28): a definite MySQL problem or MySQL not answering ends `npm start` within 15 s
// with one line naming the cause and the variable to fix; a service's own `npm start` likewise for a definite one.
/** Runs `command` in `cwd` until it exits (at most 20 s): its exit code, stderr lines and how long it took. */
function runToExit(command, args, cwd, env) {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      const errors = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm '));
      resolve({ code, errors, stdout, ms: Date.now() - started });
    }),
  );
}

describe('npm start failures', { concurrency: false }, () => {
  const nobody = `ebs_t_nobody_${randomBytes(3).toString('hex')}`;

  test("when the services' MySQL password is wrong, then npm start exits 1 within 15 s with one line naming the account and the variables", async () => {
    // Migrations run as the migration account (root here); the services' account is refused.
    const env = { MYSQL_DB: database, MYSQL_MIGRATE_USER: 'root', MYSQL_USER: nobody, MYSQL_PASSWORD: 'wrong' };
    const run = await runToExit('npm', ['start', '--silent'], root, env);
    assert.equal(run.code, 1, run.stdout);
    assert.ok(run.ms < 15_000, `exited after ${run.ms} ms`);
    assert.deepEqual(run.errors, [`MySQL refused user '${nobody}' (MYSQL_USER/MYSQL_PASSWORD in .env)`]);
    assert.doesNotMatch(run.stdout, /listening/, 'no service was started');
  });

  test("when the migration admin's password is wrong, then npm start exits 1 at once naming MYSQL_ADMIN_USER/MYSQL_ADMIN_PASSWORD", async () => {
    const env = { MYSQL_DB: database, MYSQL_ADMIN_USER: 'root', MYSQL_ADMIN_PASSWORD: 'surely-wrong' };
    const run = await runToExit('npm', ['start', '--silent'], root, env);
    assert.equal(run.code, 1, run.stdout);
    assert.ok(run.ms < 15_000, `exited after ${run.ms} ms`);
    assert.deepEqual(run.errors, ["MySQL refused user 'root' (MYSQL_ADMIN_USER/MYSQL_ADMIN_PASSWORD in .env)"]);
  });

  test('when nothing answers at MYSQL_HOST:MYSQL_PORT, then npm start exits 1 within 15 s naming them', async () => {
    const port = await new Promise((resolve) => {
      const srv = net.createServer().listen(0, () => {
        const p = srv.address().port;
        srv.close(() => resolve(p));
      });
    });
    const run = await runToExit('npm', ['start', '--silent'], root, { MYSQL_DB: database, MYSQL_PORT: String(port) });
    assert.equal(run.code, 1, run.stdout);
    assert.ok(run.ms < 15_000, `exited after ${run.ms} ms`);
    assert.deepEqual(run.errors, [
      `MySQL at 127.0.0.1:${port} does not answer (ECONNREFUSED) (MYSQL_HOST/MYSQL_PORT in .env; is MySQL running?)`,
    ]);
  });

  test("when a service's own npm start gets a wrong MySQL password, then it exits 1 within 15 s with one line naming the account", async () => {
    const env = { MYSQL_DB: database, MYSQL_USER: nobody, MYSQL_PASSWORD: 'wrong', PORT: '0' };
    const run = await runToExit('npm', ['start', '--silent'], path.join(root, 'booking-service'), env);
    assert.equal(run.code, 1, run.stdout);
    assert.ok(run.ms < 15_000, `exited after ${run.ms} ms`);
    assert.deepEqual(run.errors, [
      `booking-service: MySQL refused user '${nobody}' (MYSQL_USER/MYSQL_PASSWORD in .env)`,
    ]);
  });

  test("when a service's own npm start finds the schema not migrated, then it exits 1 within 15 s saying so", async () => {
    const env = { MYSQL_DB: `${database}_never`, PORT: '0' };
    const run = await runToExit('npm', ['start', '--silent'], path.join(root, 'event-service'), env);
    assert.equal(run.code, 1, run.stdout);
    assert.ok(run.ms < 15_000, `exited after ${run.ms} ms`);
    assert.deepEqual(run.errors, [
      `event-service: MySQL database '${database}_never' does not exist: not migrated (run \`npm run migrate\`; MYSQL_DB in .env)`,
    ]);
  });
});

describe('npm run migrate: local accounts', { concurrency: false }, () => {
  const tag = randomBytes(3).toString('hex');
  const appUser = `ebs_t_app_${tag}`;
  const migUser = `ebs_t_mig_${tag}`;
  const passwordsFile = path.join(root, '.dev-keys', 'mysql-passwords.json');
  const admin = () =>
    mysql.createConnection({
      host: process.env.MYSQL_HOST || '127.0.0.1',
      port: Number(process.env.MYSQL_PORT || 3306),
      user: process.env.MYSQL_USER || 'root',
      password: process.env.MYSQL_PASSWORD ?? '',
    });

  after(async () => {
    const conn = await admin();
    for (const u of [appUser, migUser])
      for (const h of ['%', 'localhost', '127.0.0.1']) await conn.query('DROP USER IF EXISTS ?@?', [u, h]);
    await conn.end();
    const { readFileSync, writeFileSync } = await import('node:fs');
    try {
      const kept = JSON.parse(readFileSync(passwordsFile, 'utf8'));
      delete kept[appUser];
      delete kept[migUser];
      writeFileSync(passwordsFile, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
    } catch {}
  });

  test('when .env leaves the account passwords empty, then they get random ones kept in .dev-keys/, for this machine only', async () => {
    const env = {
      MYSQL_DB: database,
      MYSQL_ADMIN_USER: process.env.MYSQL_USER || 'root',
      MYSQL_ADMIN_PASSWORD: process.env.MYSQL_PASSWORD ?? '',
      MYSQL_USER: appUser,
      MYSQL_PASSWORD: '',
      MYSQL_MIGRATE_USER: migUser,
      MYSQL_MIGRATE_PASSWORD: '',
    };
    const run = await runToExit('npm', ['run', '--silent', 'migrate'], root, env);
    assert.equal(run.code, 0, `${run.stdout}\n${run.errors.join('\n')}`);
    const { readFileSync } = await import('node:fs');
    const kept = JSON.parse(readFileSync(passwordsFile, 'utf8'));
    assert.match(kept[appUser] ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.match(kept[migUser] ?? '', /^[A-Za-z0-9_-]{20,}$/);
    const conn = await admin();
    const [rows] = await conn.query('SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host', [appUser]);
    await conn.end();
    assert.deepEqual(rows.map((r) => r.host).sort(), ['127.0.0.1', 'localhost']);
    const asApp = (password) =>
      mysql.createConnection({
        host: '127.0.0.1',
        port: Number(process.env.MYSQL_PORT || 3306),
        user: appUser,
        password,
        database,
      });
    await (await asApp(kept[appUser])).end();
    await assert.rejects(asApp(''), /denied/i);
  });

  test("when the migration admin's password is wrong, then npm run migrate exits 1 with one line naming it", async () => {
    const env = { MYSQL_DB: database, MYSQL_ADMIN_USER: 'root', MYSQL_ADMIN_PASSWORD: 'surely-wrong' };
    const run = await runToExit('npm', ['run', '--silent', 'migrate'], root, env);
    assert.equal(run.code, 1, run.stdout);
    assert.deepEqual(run.errors, ["MySQL refused user 'root' (MYSQL_ADMIN_USER/MYSQL_ADMIN_PASSWORD in .env)"]);
  });
});
