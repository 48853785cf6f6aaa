// `npm start` at the root: migrate, then run every service in the foreground on 3001-3004, each output
// line prefixed with its service, until Ctrl-C (or SIGTERM), which stops them all cleanly.
// Configuration comes from .env at the root (each service loads it); PORT is set here per service, and a
// development token key pair and admin when .env names none (scripts/dev-keys.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { devAuthEnv } from './dev-keys.mjs';

const root = path.resolve(import.meta.dirname, '..');
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

const migrated = spawnSync(process.execPath, [path.join(root, 'db', 'dist', 'main.js')], {
  cwd: path.join(root, 'db'),
  stdio: 'inherit',
});
if (migrated.status !== 0) {
  console.error('Migration failed: is MySQL running and .env right? (see README, Troubleshooting)');
  process.exit(1);
}

// A development key pair and admin when none is configured (kept in .dev-keys/, out of git).
const authEnv = devAuthEnv();
const width = Math.max(...SERVICES.map((s) => s.name.length));
const children = SERVICES.map((s) => {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: path.join(root, s.name),
    env: { ...process.env, ...authEnv, PORT: String(s.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${s.name.padEnd(width)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`${prefix}exited (${signal ?? `code ${code}`})\n`);
    if (!stopping) stop(1); // one service died on its own: stop the rest rather than run half a system
  });
  return child;
});
console.log(SERVICES.map((s) => `${s.name}: http://localhost:${s.port}`).join('\n'));

let stopping = false;
let exitCode = 0;
function stop(code) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
process.exit(exitCode);
