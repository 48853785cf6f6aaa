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
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { devAuthEnv } from './dev-keys.mjs';

const root = path.resolve(import.meta.dirname, '..');
const STOP_TIMEOUT_MS = 20_000;
const SERVICES = [
  { name: 'user-service', port: 3001 },
  { name: 'event-service', port: 3002 },
  { name: 'booking-service', port: 3003 },
  { name: 'notification-service', port: 3004 },
].filter((s) => existsSync(path.join(root, s.name, 'package.json')));

for (const s of SERVICES) {
  if (!existsSync(path.join(root, s.name, 'dist', 'main.js'))) {
    console.error(`${s.name} is not built: run \`npm install\` at the repo root first.`);
    process.exit(1);
  }
}

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
      'Find it with `ss -ltnp | grep -E ":300[1-4]"` and stop it (README, Troubleshooting).',
  );
  process.exit(1);
}

const migrated = spawnSync(process.execPath, [path.join(root, 'db', 'dist', 'main.js')], {
  cwd: path.join(root, 'db'),
  stdio: 'inherit',
});
if (migrated.status !== 0) {
  console.error('Migration failed: is MySQL running and .env right? (see README, Troubleshooting)');
  process.exit(1);
}

let stopping = false;
let exitCode = 0;
// A development key pair and admin when none is configured (kept in .dev-keys/, out of git).
const authEnv = devAuthEnv();
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
    const ready = await Promise.all(
      SERVICES.map((s) =>
        fetch(`http://127.0.0.1:${s.port}/ready`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        ),
      ),
    );
    if (ready.every(Boolean)) {
      const urls = SERVICES.map((s) => `  ${s.name.padEnd(width)}  http://localhost:${s.port}  (docs: /docs)`);
      console.log(`All services ready:\n${urls.join('\n')}`);
      return;
    }
    const waited = Math.floor((Date.now() - started) / 1000);
    if (waited >= 15 && waited - warned >= 15) {
      warned = waited;
      const late = SERVICES.filter((_, i) => !ready[i]).map((s) => s.name);
      console.log(`Still waiting for /ready of: ${late.join(', ')} (${waited} s; is MySQL up?)`);
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
