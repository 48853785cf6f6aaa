// `npm start` at the root: migrate, then run every service in the foreground on 3001-3004, each output
// line prefixed with its service, until Ctrl-C or SIGTERM, which stops them all cleanly and exits 0.
// Configuration comes from .env at the root (each service loads it); PORT is set here per service, and a
// development token key pair and admin when .env names none (scripts/dev-keys.mjs), and LOG_PRETTY=true for
// human-readable logs (unless the shell sets it). The URLs are printed once every service answers GET /ready.
//
// Signals, whichever process of `npm start` gets one:
// - npm: the root script is `exec node scripts/start-local.mjs`, so there is no shell in between and npm
//   forwards SIGINT/SIGTERM to this process (a shell would die of it and leave everything running).
// - this process: SIGTERM to every service, wait for them, exit 0 (1 if one did not stop cleanly).
// - a service: it shuts down on its own (exit 0); this process then stops the others and exits 0.
// - Ctrl-C in a terminal: the services run in a process group of their own, so only this process signals
//   them, once each (a second signal would cut their graceful shutdown short).
// - If npm is killed outright (SIGKILL), this process notices it was orphaned and stops everything too.
//
// Start-up failures (docs/troubleshooting.md, "Start-up failures"): before starting anything it checks MySQL
// itself, and exits 1 within 15 s with ONE line naming the cause and the variable to fix when MySQL does not
// answer (MYSQL_HOST/MYSQL_PORT), refuses the account the migrations run as or the services' account, or the
// schema is not there after migrating. Its /ready polling sends User-Agent ebs-start-local, which the services
// log at debug only.
//
// Local MySQL accounts: when .env has the migration runner make the accounts (MYSQL_ADMIN_USER) and leaves
// MYSQL_PASSWORD / MYSQL_MIGRATE_PASSWORD empty, random passwords are made once and kept in .dev-keys/ with the
// development token keys (scripts/dev-keys.mjs), and given to the migration and the services.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { LAUNCHER_PROBE_AGENT } from '@ebs/service-kit/http';
import { checkMysqlAtStart, describeMysqlProblem } from '@ebs/service-kit/lifecycle';
import dotenv from 'dotenv';
import mysql from 'mysql2/promise';
import { devAuthEnv, devMysqlEnv } from './dev-keys.mjs';

const root = path.resolve(import.meta.dirname, '..');
const STOP_TIMEOUT_MS = 20_000;
const SERVICES = [
  { name: 'user-service', port: 3001 },
  { name: 'event-service', port: 3002 },
  { name: 'booking-service', port: 3003 },
  { name: 'notification-service', port: 3004 },
].filter((s) => existsSync(path.join(root, s.name, 'package.json')));

// `--migrate-only` (root `npm run migrate`): the MySQL checks and the migration below, with the same development
// passwords and one-line failures, then exit 0; no service is started.
const migrateOnly = process.argv.includes('--migrate-only');
for (const s of migrateOnly ? [] : SERVICES) {
  if (!existsSync(path.join(root, s.name, 'dist', 'main.js'))) {
    console.error(`${s.name} is not built: run \`npm install\` at the repo root first.`);
    process.exit(1);
  }
}

/** Exits 1 with the one line that says what is wrong and what to change. */
function fail(line) {
  console.error(line);
  process.exit(1);
}

// MySQL settings as the services and db/ will read them: the environment first, then .env, then the defaults.
const envFile = path.join(root, '.env');
const fileEnv = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
const setting = (name, fallback = '') => process.env[name] || fileEnv[name] || fallback;
// Development MySQL passwords for the accounts the migration makes, when .env leaves them empty.
const mysqlEnv = devMysqlEnv(setting);
const mysqlSetting = (name, fallback = '') => mysqlEnv[name] || setting(name, fallback);
const server = { host: mysqlSetting('MYSQL_HOST', '127.0.0.1'), port: Number(mysqlSetting('MYSQL_PORT', '3306')) };
const database = mysqlSetting('MYSQL_DB', 'ebs');
const app = { user: mysqlSetting('MYSQL_USER', 'root'), password: mysqlSetting('MYSQL_PASSWORD') };
// The account the migration runner connects as first (db/src/config.ts): the admin, else the migration account,
// else the services' own.
const runner = setting('MYSQL_ADMIN_USER')
  ? {
      user: setting('MYSQL_ADMIN_USER'),
      password: setting('MYSQL_ADMIN_PASSWORD'),
      vars: 'MYSQL_ADMIN_USER/MYSQL_ADMIN_PASSWORD',
    }
  : setting('MYSQL_MIGRATE_USER')
    ? {
        user: setting('MYSQL_MIGRATE_USER'),
        password: mysqlSetting('MYSQL_MIGRATE_PASSWORD'),
        vars: 'MYSQL_MIGRATE_USER/MYSQL_MIGRATE_PASSWORD',
      }
    : { ...app, vars: 'MYSQL_USER/MYSQL_PASSWORD' };

/** MySQL answers the runner's account within 12 s (waiting out a server that is still starting), else exit 1. */
async function checkMysqlServer() {
  const deadline = Date.now() + 12_000;
  const vars = { account: `${runner.vars}`, address: 'MYSQL_HOST/MYSQL_PORT', database: 'MYSQL_DB' };
  for (;;) {
    try {
      const conn = await mysql.createConnection({
        ...server,
        user: runner.user,
        password: runner.password,
        connectTimeout: Math.max(1_000, deadline - Date.now()),
      });
      conn.destroy();
      return;
    } catch (err) {
      const problem = describeMysqlProblem(err, { ...server, user: runner.user, database }, vars);
      if (problem.definite || Date.now() >= deadline) fail(problem.line);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
await checkMysqlServer();

/** Runs the migrations (db/), printing their lines; on failure exits 1 with the runner's own last line. */
async function runMigrations() {
  const child = spawn(process.execPath, [path.join(root, 'db', 'dist', 'main.js')], {
    cwd: path.join(root, 'db'),
    env: { ...process.env, ...mysqlEnv },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let lastError = '';
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.trim()) lastError = line;
  });
  const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) fail(`${lastError || 'Migration failed'} (see docs/troubleshooting.md, "Start-up failures")`);
}
await runMigrations();

// As the services will: their account, their database, a migrated schema.
const appProblem = await checkMysqlAtStart({ ...server, ...app, database });
if (appProblem) fail(appProblem.line);
if (migrateOnly) process.exit(0);

// Last, so that what MySQL says comes first (and a test of it needs no free port).
function portTaken(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, () => srv.close(() => resolve(false)));
  });
}
const taken = [];
for (const s of SERVICES) if (await portTaken(s.port)) taken.push(`${s.port} (${s.name})`);
if (taken.length > 0) {
  console.error(
    `Port ${taken.join(', ')} already in use: another \`npm start\` or \`docker compose up\` still runs. ` +
      'Find it with `ss -ltnp | grep -E ":300[1-4]"` and stop it (docs/troubleshooting.md).',
  );
  process.exit(1);
}

let stopping = false;
let exitCode = 0;
// A development key pair and admin when none is configured (kept in .dev-keys/, out of git).
const authEnv = { ...devAuthEnv(), ...mysqlEnv };
const width = Math.max(...SERVICES.map((s) => s.name.length));
const children = SERVICES.map((s) => {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: path.join(root, s.name),
    env: { LOG_PRETTY: 'true', ...process.env, ...authEnv, PORT: String(s.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // a process group of its own: see the top of this file
  });
  const prefix = `[${s.name.padEnd(width)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`${prefix}exited (${signal ?? `code ${code}`})\n`);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      return;
    }
    // Stopped by a signal of someone's (it exits 0 after a clean shutdown): stop the rest the same way.
    // Died on its own: stop the rest rather than run half a system, and say so with exit code 1.
    stop(code === 0 || signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1);
  });
  return child;
});
void announceWhenReady();

/** Prints the URLs once every service answers GET /ready with 200; says which are late meanwhile. */
async function announceWhenReady() {
  const started = Date.now();
  let warned = 0;
  while (!stopping) {
    // What each /ready says: 'ready', or what is down ('mysql down'), or that it does not answer yet.
    const answers = await Promise.all(
      SERVICES.map((s) =>
        fetch(`http://127.0.0.1:${s.port}/ready`, {
          headers: { 'User-Agent': `${LAUNCHER_PROBE_AGENT}/1` },
          signal: AbortSignal.timeout(2_000),
        }).then(
          async (r) => {
            if (r.status === 200) return 'ready';
            const body = await r.json().catch(() => ({}));
            const down = Object.entries(body.checks ?? {}).filter(([, v]) => v !== 'up');
            return down.length > 0 ? `${down.map(([k]) => k).join(', ')} down` : `status ${r.status}`;
          },
          () => 'not answering',
        ),
      ),
    );
    const ready = answers.map((a) => a === 'ready');
    if (ready.every(Boolean)) {
      const urls = SERVICES.map((s) => `  ${s.name.padEnd(width)}  http://localhost:${s.port}  (docs: /docs)`);
      console.log(`All services ready:\n${urls.join('\n')}`);
      return;
    }
    const waited = Math.floor((Date.now() - started) / 1000);
    if (waited >= 15 && waited - warned >= 15) {
      warned = waited;
      const late = SERVICES.map((s, i) => `${s.name} (${answers[i]})`).filter((_, i) => !ready[i]);
      console.log(`Still waiting for /ready of: ${late.join(', ')} after ${waited} s`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  setTimeout(() => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      console.error(`pid ${c.pid} did not stop within ${STOP_TIMEOUT_MS} ms: killing it`);
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {}
    }
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));
const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid !== parent) stop(0);
}, 500);
orphanCheck.unref();

await Promise.all(
  children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)),
);
process.exit(exitCode);
