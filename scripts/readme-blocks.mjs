// Runs the marked bash blocks of README.md and docs/*.md verbatim against a real `npm start`, so they cannot rot.
// A block is marked by a line `<!-- ci:run NAME ... -->` right before its ```bash fence; the README's blocks run
// first, then the docs' (file by file, in name order), all in one bash, so a docs block may use the demo's variables.
//   node scripts/readme-blocks.mjs list            names of the marked blocks, with file and line
//   node scripts/readme-blocks.mjs run [NAME...]   (npm run test:readme) all blocks, or the named ones (with the demo
//       before them, whose tokens they use); starts `npm start` on 3001-3004 (fresh
//       database, own nats-server where installed), runs the blocks one after the other in ONE bash (as if pasted
//       into one terminal: the checkout and the race use the demo's tokens), checks their output, stops `npm start`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isMain } from './run-as-main.mjs';

const root = path.resolve(import.meta.dirname, '..');
const PORTS = [3001, 3002, 3003, 3004];
const BLOCK_TIMEOUT_MS = 120_000;

/** What each block's output must show (besides exiting 0). */
const CHECKS = {
  demo: (out) => {
    assert.match(out, /"cached":false/, 'the first read comes from MySQL');
    assert.match(out, /"cached":true/, 'the second read comes from the cache');
    assert.match(out, /idempotent-replayed: true/i, 'the retry with the same Idempotency-Key was replayed');
    assert.match(out, /"type":"booking\.confirmed"/, 'the booking was notified');
    assert.match(out, /"status":"cancelled"/, 'the booking was cancelled');
  },
  checkout: (out) => {
    assert.match(out, /"status":"held"/, 'the hold answered status held');
    assert.match(out, /"expiresAt":"[^"]+Z"/, 'the hold has its expiresAt');
    assert.match(out, /"status":"waiting"/, 'the waitlist entry is waiting');
    assert.match(out, /"position":1\b/, 'first in line');
    assert.match(out, /"status":"cancelled"/, 'the booking was cancelled');
    assert.match(out, /"status":"offered"/, 'the cancelled seat was offered to the entry');
    assert.match(out, /"type":"waitlist\.offered"/, 'the offer was notified');
    const confirmed = out.match(/"status":"confirmed"/g) ?? [];
    assert.ok(confirmed.length >= 3, 'the hold, the offer and the entry ended confirmed');
  },
  race: (out) => {
    const codes = out.split('\n').filter((l) => /^\d{3}$/.test(l));
    assert.deepEqual(codes.sort(), ['201', '409', '409', '409', '409'], 'one 201 and four 409');
  },
  // docs/api-by-example.md
  users: (out) => {
    assert.match(out, /"code":"EMAIL_TAKEN"/, 'the same email again is 409 EMAIL_TAKEN');
    assert.match(out, /"keys":\[\{/, 'the JWKS lists a key');
    assert.match(out, /"code":"VALIDATION_FAILED"/, 'bad input is 400 with the fields named');
  },
  events: (out) => {
    assert.match(out, /x-cache: hit/i, 'the second read is a cache hit');
    assert.match(out, /"totalSeats":120/, 'the PATCH changed totalSeats');
  },
  bookings: (out) => {
    assert.match(out, /"quantity":2,"status":"confirmed"/, 'two seats were booked');
    assert.match(out, /"status":"cancelled"/, 'the demo booking reads cancelled');
  },
  notifications: (out) => assert.match(out, /"type":"booking\.confirmed"/, 'the notifications are listed'),
};

/** The marked blocks of README.md, then of docs/*.md (by file name). */
export function allBlocks() {
  const files = [
    'README.md',
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
  const blocks = files.flatMap((file) => readmeBlocks(readFileSync(path.join(root, file), 'utf8'), file));
  const seen = new Set();
  for (const b of blocks) {
    if (seen.has(b.name)) throw new Error(`${b.file}:${b.line}: a second block named ${b.name}`);
    seen.add(b.name);
  }
  return blocks;
}

export function readmeBlocks(markdown = readFileSync(path.join(root, 'README.md'), 'utf8'), file = 'README.md') {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const marker = lines[i].match(/^<!-- ci:run (\S+)/);
    if (!marker) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    if (lines[j] !== '```bash')
      throw new Error(`${file}:${i + 1}: ci:run ${marker[1]} is not followed by a \`\`\`bash block`);
    const end = lines.indexOf('```', j + 1);
    if (end < 0) throw new Error(`${file}:${j + 1}: unterminated block`);
    blocks.push({ name: marker[1], file, line: j + 2, code: lines.slice(j + 1, end).join('\n') });
  }
  return blocks;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, () => srv.close(() => resolve(true)));
  });
}

async function ready() {
  const answers = await Promise.all(
    PORTS.map((p) =>
      fetch(`http://127.0.0.1:${p}/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    ),
  );
  return answers.every(Boolean);
}

function runBash(script) {
  return new Promise((resolve) => {
    const bash = spawn('bash', ['-c', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    bash.stdout.on('data', (c) => {
      out += c;
      process.stdout.write(c);
    });
    bash.stderr.on('data', (c) => process.stderr.write(c));
    const timer = setTimeout(() => bash.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
    bash.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

async function run(names) {
  const all = allBlocks();
  // The blocks after the demo use its shell function and tokens: a named block runs with the demo before it.
  const wanted = names.length > 0 ? new Set(['demo', ...names]) : undefined;
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(`no marked block named ${unknown.join(', ')} (have: ${all.map((b) => b.name)})`);
  const blocks = wanted ? all.filter((b) => wanted.has(b.name)) : all;
  for (const port of PORTS)
    if (!(await portFree(port))) throw new Error(`port ${port} is in use: stop what runs there first`);

  // As the README says: cp .env.example .env (only when there is none; removed again afterwards).
  const madeEnv = !existsSync(path.join(root, '.env'));
  if (madeEnv) copyFileSync(path.join(root, '.env.example'), path.join(root, '.env'));
  const database = `ebs_readme_${randomBytes(3).toString('hex')}`;
  const env = { ...process.env, MYSQL_DB: database, REDIS_KEY_PREFIX: `${database}:`, LOG_LEVEL: 'warn' };
  const { findBinary, startOwnNats } = await import('../test-support/dist/index.js');
  const nats = findBinary('nats-server') ? await startOwnNats() : undefined;
  if (nats) env.NATS_URL = nats.url;

  const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  npm.stdout.on('data', (c) => {
    log += c;
  });
  npm.stderr.on('data', (c) => {
    log += c;
  });
  const exited = new Promise((r) => npm.once('exit', (code) => r(code)));
  let failure;
  try {
    const deadline = Date.now() + 90_000;
    while (!(await ready())) {
      if (npm.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${log}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    let script = 'set -euo pipefail\n';
    for (const b of blocks) script += `echo "::block ${b.name}"\n${b.code}\n`;
    console.log(`running blocks ${blocks.map((b) => `${b.name} (${b.file}:${b.line})`).join(', ')}`);
    const result = await runBash(script);
    assert.equal(result.code, 0, `the blocks exited with ${result.signal ?? result.code}`);
    const parts = result.out.split(/^::block (\S+)\n/m);
    for (let i = 1; i < parts.length; i += 2) CHECKS[parts[i]]?.(parts[i + 1]);
    console.log(`README and docs blocks passed: ${blocks.map((b) => b.name).join(', ')}`);
  } catch (err) {
    failure = err;
  } finally {
    npm.kill('SIGTERM');
    const code = await exited;
    await nats?.stop();
    if (nats) rmSync(nats.storeDir, { recursive: true, force: true });
    if (madeEnv) rmSync(path.join(root, '.env'));
    const mysql = (await import('mysql2/promise')).default;
    const conn = await mysql.createConnection({
      host: env.MYSQL_HOST || '127.0.0.1',
      port: Number(env.MYSQL_PORT || 3306),
      user: env.MYSQL_USER || 'root',
      password: env.MYSQL_PASSWORD ?? '',
    });
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await conn.end();
    if (!failure && code !== 0) failure = new Error(`npm start exited ${code} after SIGTERM:\n${log}`);
  }
  if (failure) {
    console.error(`README/docs blocks FAILED: ${failure.message}\n--- npm start output ---\n${log.slice(-4000)}`);
    process.exit(1);
  }
}

if (isMain(import.meta.filename)) {
  const [command = 'run', ...names] = process.argv.slice(2);
  if (command === 'list') for (const b of allBlocks()) console.log(`${b.name}\t${b.file}:${b.line}`);
  else if (command === 'run') await run(names);
  else throw new Error('usage: node scripts/readme-blocks.mjs list | run [NAME...]');
}
