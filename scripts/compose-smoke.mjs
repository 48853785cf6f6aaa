// `npm run test:compose`: docker-compose.yml brought up for real, from this checkout, and put through its
// paces: up --build (own project name, .env made from .env.example in a temp folder, free host ports), wait until
// healthy, the README demo flow, bookings under load while booking-service is `docker kill`ed and comes back
// (every 201 stored and notified exactly once, seats add up), `down` then `up` keeps the data, then `down -v`.
// Then, once, the `ha` profile (a 3-node NATS JetStream cluster, NATS_NODES=3) in a project of its own: the BOOKINGS
// stream has 3 replicas; node 1, then the stream's leader, is stopped: bookings still answer 201 and are notified.
// Needs Docker with `docker compose` (v2) or `docker-compose` (v1). Exit 0 when every check passed.
// (Named compose-smoke.mjs, not test-*.mjs: `node --test scripts/` would run that as a unit test.)
//   KEEP=1 npm run test:compose     leaves the stack running for a look (then: the printed `down -v` command)
//   HA=0 / HA=only npm run test:compose     without the ha run / only the ha run (which then builds the images)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fillSecrets } from './env-secrets.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVICES = ['user-service', 'event-service', 'booking-service', 'notification-service'];
const PORT_VARS = ['USER_SERVICE_PORT', 'EVENT_SERVICE_PORT', 'BOOKING_SERVICE_PORT', 'NOTIFICATION_SERVICE_PORT'];
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
const log = (line) => console.log(`[${elapsed().padStart(4)}] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class CheckFailed extends Error {}
function check(ok, what) {
  if (!ok) throw new CheckFailed(what);
}

// ---------- compose ----------
function composeCommand() {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  console.error('Neither `docker compose` nor `docker-compose` works: install Docker with Compose.');
  process.exit(2);
}
const COMPOSE = composeCommand();
const HA = process.env.HA ?? '1';
if (!['0', '1', 'only'].includes(HA)) {
  console.error(`HA=${HA}: use HA=0 (no ha run), HA=only (only the ha run) or nothing (both)`);
  process.exit(2);
}
const runId = randomBytes(4).toString('hex');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ebs-compose-'));
const composeLog = path.join(tmp, 'compose.log');
/** The stack under test: the default run's, then the ha run's, each with its own project name, .env and volumes. */
const run = { name: 'default', project: `ebssmoke${runId}`, envFile: path.join(tmp, '.env') };

/** Runs compose with this run's project and .env; output goes to compose.log unless `capture`. */
function compose(args, { capture = false, allowFail = false } = {}) {
  const full = [...COMPOSE.slice(1), '--env-file', run.envFile, '-p', run.project, ...args];
  appendFileSync(composeLog, `\n$ ${COMPOSE[0]} ${full.join(' ')}\n`);
  const r = spawnSync(COMPOSE[0], full, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  appendFileSync(composeLog, `${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0 && !allowFail) {
    throw new CheckFailed(
      `${COMPOSE.join(' ')} ${args.join(' ')} exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`,
    );
  }
  return capture ? (r.stdout ?? '').trim() : r.status;
}
const docker = (...args) => spawnSync('docker', args, { encoding: 'utf8' });
const containerOf = (service) => compose(['ps', '-a', '-q', service], { capture: true }).split('\n')[0] ?? '';
const inspect = (id, format) => docker('inspect', '-f', format, id).stdout.trim();

async function freePorts(n) {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

// ---------- HTTP ----------
let urls = {};
/**
 * One HTTP request on a connection of its own (node:http, no keep-alive pool): a connection docker-proxy
 * accepted while the container was still starting must not hold up later requests. Rejects on no answer
 * within timeoutMs (a timer that keeps the process alive).
 */
function call(service, method, route, { body, token, timeoutMs = 10_000 } = {}) {
  const url = new URL(route, urls[service]);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          clearTimeout(timer);
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode, body: json, headers: res.headers });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), timeoutMs);
    function fail(err) {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(payload);
  });
}
async function expectStatus(promise, status, what) {
  const r = await promise;
  check(r.status === status, `${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** service -> "status exitCode health" of this project's containers, in one compose and one docker call. */
function containerStates() {
  const ids = compose(['ps', '-a', '-q'], { capture: true }).split('\n').filter(Boolean);
  if (!ids.length) return {};
  const format =
    '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}';
  return Object.fromEntries(
    docker('inspect', '-f', format, ...ids)
      .stdout.trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([service, status, code, health]) => [service, { status, code, health }]),
  );
}

/** Until migrate has exited 0 and the services (and the `alsoHealthy` containers) are healthy and ready. */
async function waitHealthy(timeoutMs, alsoHealthy = []) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = containerStates();
    const migrate = states.migrate;
    if (migrate?.status === 'exited' && migrate.code !== '0') throw new CheckFailed(`migrate exited ${migrate.code}`);
    const ready = await Promise.all(
      SERVICES.map((s) =>
        call(s, 'GET', '/ready', { timeoutMs: 5_000 }).then(
          (r) => (r.status === 200 ? 'ready' : `${r.status} ${JSON.stringify(r.body)}`),
          (err) => `no answer (${err.code ?? err.message})`,
        ),
      ),
    );
    const isHealthy = (s) => states[s]?.status === 'running' && states[s]?.health === 'healthy';
    const healthy = [...SERVICES, ...alsoHealthy].map(isHealthy);
    if (migrate?.status === 'exited' && healthy.every(Boolean) && ready.every((r) => r === 'ready')) return;
    if (Date.now() > deadline) {
      const what = SERVICES.map(
        (s, i) => `${s} ${states[s]?.status ?? 'missing'}/${states[s]?.health ?? '-'} /ready: ${ready[i]}`,
      ).concat(alsoHealthy.map((s) => `${s} ${states[s]?.status ?? 'missing'}/${states[s]?.health ?? '-'}`));
      throw new CheckFailed(
        `not healthy after ${timeoutMs / 1000}s: migrate ${migrate?.status ?? 'missing'} ${migrate?.code ?? ''}; ${what.join('; ')}`,
      );
    }
    await sleep(1_000);
  }
}

/** Polls until fn() returns a truthy value; fails with `what` after timeoutMs. */
async function eventually(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new CheckFailed(`${what} (after ${timeoutMs / 1000}s)`);
    await sleep(500);
  }
}

// ---------- the run ----------
const env = {};
const demo = {};
/** Failures that do not stop the run; any of them fails it at the end. */
const deferred = [];

/** A .env from .env.example with fresh secrets and free host ports (plus the `extra` settings), for `run`. */
async function setUp(extra = {}) {
  const ports = await freePorts(PORT_VARS.length);
  let text = fillSecrets(readFileSync(path.join(ROOT, '.env.example'), 'utf8')).text;
  const set = (name, value) => {
    text = new RegExp(`^${name}=`, 'm').test(text)
      ? text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`)
      : `${text}\n${name}=${value}\n`;
  };
  set('BIND_ADDRESS', '127.0.0.1');
  PORT_VARS.forEach((v, i) => {
    set(v, ports[i]);
  });
  for (const [name, value] of Object.entries(extra)) set(name, value);
  writeFileSync(run.envFile, text, { mode: 0o600 });
  for (const m of text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2];
  urls = Object.fromEntries(SERVICES.map((s, i) => [s, `http://127.0.0.1:${ports[i]}`]));
  const more = Object.entries(extra).map(([k, v]) => ` + ${k}=${v}`);
  log(
    `${run.name}: ${COMPOSE.join(' ')}, project ${run.project}, .env from .env.example${more.join('')} in ${tmp}, ports ${ports.join(', ')}`,
  );
}

function checkAppAccount() {
  const mysqlUser = inspect(containerOf('booking-service'), '{{range .Config.Env}}{{println .}}{{end}}')
    .split('\n')
    .find((l) => l.startsWith('MYSQL_USER='));
  check(mysqlUser === `MYSQL_USER=${env.MYSQL_USER}`, `booking-service connects as ${mysqlUser}`);
  const leaked = inspect(containerOf('user-service'), '{{range .Config.Env}}{{println .}}{{end}}')
    .split('\n')
    .filter((l) => /^(MYSQL_ROOT_PASSWORD|MYSQL_ADMIN_PASSWORD|MYSQL_MIGRATE_PASSWORD)=/.test(l));
  check(leaked.length === 0, `a service container holds ${leaked.join(', ')}`);
  const grants = docker(
    'exec',
    containerOf('mysql'),
    'sh',
    '-c',
    `mysql -uroot --password="$MYSQL_ROOT_PASSWORD" -N -e "SHOW GRANTS FOR '${env.MYSQL_USER}'@'%'"`,
  );
  check(grants.status === 0, `SHOW GRANTS for the app account failed: ${grants.stderr}`);
  check(
    grants.stdout.includes(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${env.MYSQL_DB}\`.*`) &&
      !/ALL PRIVILEGES|CREATE|ALTER|DROP/.test(grants.stdout),
    `app account grants: ${grants.stdout.trim()}`,
  );
}

async function upAndDemo() {
  log('up --build -d (building the five images may take minutes)');
  compose(['up', '--build', '-d']);
  await waitHealthy(240_000);
  log('ok   all four services healthy and ready; migrate exited 0');

  checkAppAccount();
  log(
    `ok   services connect as ${env.MYSQL_USER} (grants: SELECT, INSERT, UPDATE, DELETE on ${env.MYSQL_DB}.* only); no admin or migration password in their environment`,
  );

  // Access control: present when POST /auth/token exists.
  const probe = await call('user-service', 'POST', '/auth/token', {
    body: { email: 'nobody@example.com', password: 'wrong-password' },
  });
  demo.auth = probe.status !== 404;
  const email = `ada-${randomBytes(4).toString('hex')}@example.com`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const signUp = demo.auth ? { name: 'Ada Lovelace', email, password } : { name: 'Ada Lovelace', email };
  demo.user = await expectStatus(call('user-service', 'POST', '/users', { body: signUp }), 201, 'POST /users');
  if (demo.auth) {
    demo.userToken = (
      await expectStatus(
        call('user-service', 'POST', '/auth/token', { body: { email, password } }),
        200,
        'POST /auth/token (user)',
      )
    ).accessToken;
    demo.adminToken = (
      await expectStatus(
        call('user-service', 'POST', '/auth/token', { body: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } }),
        200,
        'POST /auth/token (admin)',
      )
    ).accessToken;
    await expectStatus(
      call('event-service', 'POST', '/events', {
        body: { name: 'x', startsAt: new Date(Date.now() + 864e5).toISOString(), totalSeats: 1 },
        token: demo.userToken,
      }),
      403,
      'POST /events as a customer',
    );
    await expectStatus(call('booking-service', 'GET', '/bookings'), 401, 'GET /bookings without a token');
  }
  demo.credentials = { email, password };
  const startsAt = new Date(Date.now() + 30 * 864e5).toISOString();
  demo.event = await expectStatus(
    call('event-service', 'POST', '/events', {
      body: { name: 'Compose smoke', venue: 'Hall 1', startsAt, totalSeats: 100 },
      token: demo.adminToken,
    }),
    201,
    'POST /events',
  );
  const first = await expectStatus(call('event-service', 'GET', `/events/${demo.event.id}`), 200, 'GET /events/:id');
  const second = await expectStatus(
    call('event-service', 'GET', `/events/${demo.event.id}`),
    200,
    'GET /events/:id again',
  );
  check(first.cached === false && second.cached === true, `cached: ${first.cached} then ${second.cached}`);
  const bookingBody = demo.auth
    ? { eventId: demo.event.id, quantity: 2 }
    : { userId: demo.user.id, eventId: demo.event.id, quantity: 2 };
  demo.booking = await expectStatus(
    call('booking-service', 'POST', '/bookings', { body: bookingBody, token: demo.userToken }),
    201,
    'POST /bookings',
  );
  check(
    demo.booking.userId === demo.user.id && demo.booking.status === 'confirmed',
    `booking ${JSON.stringify(demo.booking)}`,
  );
  await eventually(async () => {
    const r = await call('notification-service', 'GET', `/notifications?bookingId=${demo.booking.id}`, {
      token: demo.userToken,
    });
    return r.status === 200 && r.body.data.length === 1 && r.body.data[0].type === 'booking.confirmed';
  }, 'a booking.confirmed notification for the demo booking');
  const afterBooking = await expectStatus(
    call('event-service', 'GET', `/events/${demo.event.id}`),
    200,
    'GET /events/:id after booking',
  );
  check(afterBooking.availableSeats === 98, `availableSeats after booking 2 of 100: ${afterBooking.availableSeats}`);
  const steps = [
    `POST /users${demo.auth ? ', POST /auth/token (user, admin)' : ''}`,
    'POST /events',
    'GET /events/:id MISS then HIT',
    'POST /bookings 201',
    'notification stored',
  ];

  // Cancel, when this build has it (docs/api.md, booking lifecycle).
  const cancel = await call('booking-service', 'POST', `/bookings/${demo.booking.id}/cancel`, {
    token: demo.userToken,
  });
  // The booking exists (just read back), so a 404 means this build has no cancel route yet.
  if (cancel.status === 404) {
    steps.push('cancel: NOT IN THIS BUILD (404)');
  } else {
    check(
      cancel.status === 200 && cancel.body.status === 'cancelled',
      `cancel: ${cancel.status} ${JSON.stringify(cancel.body)}`,
    );
    const seatsBack = await eventually(
      async () => (await call('event-service', 'GET', `/events/${demo.event.id}`)).body.availableSeats === 100,
      'GET /events/:id showing the seats back after the cancel',
    ).then(
      () => true,
      (err) => {
        deferred.push(err.message);
        return false;
      },
    );
    // A missing effect does not stop the run (the rest is still worth knowing); it fails it at the end.
    const notified = await eventually(async () => {
      const r = await call('notification-service', 'GET', `/notifications?bookingId=${demo.booking.id}`, {
        token: demo.userToken,
      });
      return r.status === 200 && r.body.data.some((n) => n.type === 'booking.cancelled');
    }, 'a booking.cancelled notification').then(
      () => true,
      (err) => {
        deferred.push(err.message);
        return false;
      },
    );
    steps.push(
      `cancel 200 + ${seatsBack ? 'seats back' : 'seats NOT back'} + ${notified ? 'booking.cancelled notification' : 'NO booking.cancelled notification'}`,
    );
  }
  log(`ok   demo flow (access control: ${demo.auth ? 'yes' : 'NOT IN THIS BUILD'}): ${steps.join(', ')}`);
}

async function loadWithKill() {
  const seats = 100_000;
  const startsAt = new Date(Date.now() + 30 * 864e5).toISOString();
  const event = await expectStatus(
    call('event-service', 'POST', '/events', {
      body: { name: 'Rush under kill', startsAt, totalSeats: seats },
      token: demo.adminToken,
    }),
    201,
    'POST /events (rush)',
  );
  const body = demo.auth ? { eventId: event.id } : { userId: demo.user.id, eventId: event.id };
  const created = [];
  const outcomes = {};
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const r = await call('booking-service', 'POST', '/bookings', {
          body,
          token: demo.userToken,
          timeoutMs: 15_000,
        });
        outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
        if (r.status === 201) created.push(r.body.id);
        else await sleep(100);
      } catch {
        outcomes['no answer'] = (outcomes['no answer'] ?? 0) + 1;
        await sleep(100);
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  await sleep(3_000);
  const id = containerOf('booking-service');
  const before = created.length;
  const restartsBefore = Number(inspect(id, '{{.RestartCount}}'));
  check(docker('kill', id).status === 0, 'docker kill booking-service');
  log(`..   docker kill booking-service after ${before} bookings under load (16 concurrent clients)`);
  // Back by its restart policy, else by hand (Docker does not restart a container stopped by `docker kill`
  // on every version).
  let back = 'by hand (docker start)';
  await sleep(5_000);
  if (inspect(id, '{{.State.Running}}') === 'true' && Number(inspect(id, '{{.RestartCount}}')) > restartsBefore)
    back = 'by its restart policy';
  else check(docker('start', id).status === 0, 'docker start booking-service');
  await eventually(
    async () => (await call('booking-service', 'GET', '/ready')).status === 200,
    'booking-service ready again',
    60_000,
  );
  const atBack = created.length;
  await eventually(async () => created.length >= atBack + 200, '200 more bookings after the restart', 60_000);
  stop = true;
  await Promise.all(workers);
  log(`..   booking-service back ${back}; load stopped: ${JSON.stringify(outcomes)}`);
  check(
    Object.keys(outcomes).every((k) => ['201', '503', 'no answer'].includes(k)),
    `unexpected statuses ${JSON.stringify(outcomes)}`,
  );

  // Every 201 is stored, confirmed, and notified exactly once; the seats add up with what is stored.
  const token = demo.adminToken;
  const pool = async (items, fn, n = 16) => {
    const queue = [...items];
    await Promise.all(
      Array.from({ length: n }, async () => {
        while (queue.length) await fn(queue.shift());
      }),
    );
  };
  await pool(created, async (bookingId) => {
    const b = await call('booking-service', 'GET', `/bookings/${bookingId}`, { token });
    check(
      b.status === 200 && b.body.status === 'confirmed',
      `booking ${bookingId} answered 201 but reads ${b.status} ${JSON.stringify(b.body)}`,
    );
  });
  await pool(created, async (bookingId) => {
    await eventually(
      async () => {
        const r = await call('notification-service', 'GET', `/notifications?bookingId=${bookingId}`, { token });
        check(
          r.status !== 200 || r.body.data.length <= 1,
          `booking ${bookingId} notified ${r.body.data?.length} times`,
        );
        return r.status === 200 && r.body.data.length === 1;
      },
      `a notification for booking ${bookingId}`,
      60_000,
    );
  });
  const stored = (
    await expectStatus(
      call('booking-service', 'GET', `/bookings?eventId=${event.id}&limit=1`, { token }),
      200,
      'GET /bookings?eventId',
    )
  ).pagination.total;
  const lost = outcomes['no answer'] ?? 0;
  check(
    stored >= created.length && stored <= created.length + lost,
    `stored ${stored} bookings for ${created.length} 201s and ${lost} unanswered`,
  );
  const ev = await expectStatus(call('event-service', 'GET', `/events/${event.id}`), 200, 'GET rush event');
  check(ev.availableSeats === seats - stored, `availableSeats ${ev.availableSeats}, expected ${seats} - ${stored}`);
  log(
    `ok   kill under load: ${created.length} answered 201, all stored and notified exactly once; ${stored} stored (${stored - created.length} of ${lost} unanswered had committed), seats add up`,
  );
  demo.rush = { eventId: event.id, stored };
}

async function downUpKeepsData() {
  compose(['down']);
  // Another app account and password in .env: the next `up` must make sure of it (no `down -v`).
  const appUser = `${env.MYSQL_USER}_2`.slice(0, 32);
  const text = readFileSync(run.envFile, 'utf8')
    .replace(/^MYSQL_USER=.*$/m, `MYSQL_USER=${appUser}`)
    .replace(/^MYSQL_PASSWORD=.*$/m, `MYSQL_PASSWORD=${randomBytes(18).toString('base64url')}`);
  writeFileSync(run.envFile, text, { mode: 0o600 });
  env.MYSQL_USER = appUser;
  log(`..   down (volumes kept); MYSQL_USER and MYSQL_PASSWORD changed in .env (${appUser}); up -d again`);
  compose(['up', '-d']);
  await waitHealthy(180_000);
  checkAppAccount();
  const token = demo.auth
    ? (
        await expectStatus(
          call('user-service', 'POST', '/auth/token', { body: demo.credentials }),
          200,
          'POST /auth/token after down/up',
        )
      ).accessToken
    : undefined;
  const user = await expectStatus(
    call('user-service', 'GET', `/users/${demo.user.id}`, { token }),
    200,
    'GET /users/:id after down/up',
  );
  check(user.email === demo.user.email, 'user kept');
  await expectStatus(call('event-service', 'GET', `/events/${demo.event.id}`), 200, 'GET /events/:id after down/up');
  await expectStatus(
    call('booking-service', 'GET', `/bookings/${demo.booking.id}`, { token }),
    200,
    'GET /bookings/:id after down/up',
  );
  const n = await expectStatus(
    call('notification-service', 'GET', `/notifications?bookingId=${demo.booking.id}`, { token }),
    200,
    'GET /notifications after down/up',
  );
  check(n.data.length >= 1, 'notifications kept');
  const rush = await expectStatus(
    call('booking-service', 'GET', `/bookings?eventId=${demo.rush.eventId}&limit=1`, { token: demo.adminToken }),
    200,
    'GET rush bookings after down/up',
  );
  check(
    rush.pagination.total === demo.rush.stored,
    `rush bookings after down/up: ${rush.pagination.total}, before ${demo.rush.stored}`,
  );
  // A new booking works after the restart (NATS stream and consumers came back from their volume).
  const fresh = await expectStatus(
    call('booking-service', 'POST', '/bookings', {
      body: demo.auth ? { eventId: demo.event.id } : { userId: demo.user.id, eventId: demo.event.id },
      token,
    }),
    201,
    'POST /bookings after down/up',
  );
  await eventually(
    async () =>
      (await call('notification-service', 'GET', `/notifications?bookingId=${fresh.id}`, { token })).body.data
        .length === 1,
    'notification after down/up',
  );
  log(
    `ok   down + up: services now connect as ${appUser} (DML only); users, events, bookings and notifications kept; a new booking is notified`,
  );
}

// ---------- the ha profile ----------
/** The NATS nodes of the ha profile: compose service -> server name (--name in docker-compose.yml). */
const NATS_NODES = { nats: 'nats-1', 'nats-2': 'nats-2', 'nats-3': 'nats-3' };

/**
 * The BOOKINGS stream as the running NATS nodes report it (GET /jsz on their monitoring port, with the image's
 * wget), from its leader when it has one: configured replicas, leader, and every copy with whether it is current.
 * Undefined while no running node has it.
 */
function bookingsStream() {
  const states = containerStates();
  const seen = [];
  for (const [node, server] of Object.entries(NATS_NODES)) {
    if (states[node]?.status !== 'running') continue;
    const url = 'http://127.0.0.1:8222/jsz?streams=true&config=true';
    const r = docker('exec', containerOf(node), 'wget', '-q', '-O', '-', url);
    if (r.status !== 0) continue;
    const stream = (JSON.parse(r.stdout).account_details ?? [])
      .flatMap((a) => a.stream_detail ?? [])
      .find((d) => d.name === 'BOOKINGS');
    if (!stream) continue;
    const leader = stream.cluster?.leader ?? server;
    const copies = [
      { name: leader, current: true },
      ...(stream.cluster?.replicas ?? []).map((p) => ({ name: p.name, current: Boolean(p.current && !p.offline) })),
    ];
    seen.push({ by: server, replicas: stream.config?.num_replicas, leader, copies });
  }
  return seen.find((s) => s.by === s.leader) ?? seen[0];
}
const describe = (st) =>
  `num_replicas ${st.replicas}, leader ${st.leader}, copies on ${st.copies.map((p) => `${p.name}${p.current ? '' : ' (not current)'}`).join(', ')} (reported by ${st.by})`;
const allCurrent = (st) => st && st.copies.length === st.replicas && st.copies.every((p) => p.current);

/** POST /bookings answers 201 and its notification is stored within 30 s, once. */
async function bookAndNotified(what) {
  const booking = await expectStatus(
    call('booking-service', 'POST', '/bookings', { body: { eventId: demo.haEvent.id }, token: demo.userToken }),
    201,
    `POST /bookings ${what}`,
  );
  await eventually(
    async () => {
      const r = await call('notification-service', 'GET', `/notifications?bookingId=${booking.id}`, {
        token: demo.userToken,
      });
      check(r.status !== 200 || r.body.data.length <= 1, `booking ${what} notified ${r.body.data?.length} times`);
      return r.status === 200 && r.body.data.length === 1;
    },
    `a notification for the booking ${what}`,
    30_000,
  );
  return booking;
}

async function haProfile() {
  log(
    `up ${HA === 'only' ? '--build -d' : '-d (the default run built the images)'}, COMPOSE_PROFILES=ha and NATS_NODES=3 in .env`,
  );
  compose(HA === 'only' ? ['up', '--build', '-d'] : ['up', '-d']);
  await waitHealthy(240_000, Object.keys(NATS_NODES));
  log(`ok   ${Object.keys(NATS_NODES).join(', ')} and the four services healthy and ready; migrate exited 0`);

  // booking-service makes the stream when it connects: wait until every copy is current, then count them.
  const stream = await eventually(async () => {
    const st = bookingsStream();
    return allCurrent(st) && st;
  }, 'the BOOKINGS stream with all its copies current').catch((err) => {
    const st = bookingsStream();
    throw new CheckFailed(`${err.message}: ${st ? describe(st) : 'no NATS node has it'}`);
  });
  check(
    stream.replicas === 3 && new Set(stream.copies.map((p) => p.name)).size === 3,
    `the BOOKINGS stream must have 3 replicas on 3 nodes: ${describe(stream)}`,
  );
  log(`ok   BOOKINGS stream: ${describe(stream)}`);

  const email = `ha-${randomBytes(4).toString('hex')}@example.com`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await expectStatus(
    call('user-service', 'POST', '/users', { body: { name: 'Grace Hopper', email, password } }),
    201,
    'POST /users',
  );
  const token = async (credentials, who) =>
    (
      await expectStatus(
        call('user-service', 'POST', '/auth/token', { body: credentials }),
        200,
        `POST /auth/token (${who})`,
      )
    ).accessToken;
  demo.userToken = await token({ email, password }, 'user');
  demo.adminToken = await token({ email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }, 'admin');
  demo.haEvent = await expectStatus(
    call('event-service', 'POST', '/events', {
      body: { name: 'HA', startsAt: new Date(Date.now() + 30 * 864e5).toISOString(), totalSeats: 1000 },
      token: demo.adminToken,
    }),
    201,
    'POST /events',
  );
  await bookAndNotified('with all three NATS nodes up');
  log('ok   POST /bookings 201 and its notification stored, all three NATS nodes up');

  // Two outages, one node at a time: node 1, where every service connected first (NATS_URL nats://nats:4222),
  // so the clients must move to the nodes the cluster told them about; then whichever node leads the stream, so
  // its copies must elect another leader. Each time the stream keeps 2 of its 3 copies (a quorum): bookings answer
  // 201 and are notified while the node is down; back, its copy catches up.
  let booked = 1;
  const outage = async (service, why) => {
    const server = NATS_NODES[service];
    compose(['stop', service]);
    log(`..   docker compose stop ${service} (${server}: ${why})`);
    for (let i = 1; i <= 10; i++) await bookAndNotified(`${i} of 10 with ${server} stopped`);
    booked += 10;
    const during = bookingsStream();
    check(
      during?.replicas === 3 && during.leader !== server,
      `the stream with ${server} stopped: ${during ? describe(during) : 'no node has it'}`,
    );
    log(`ok   ${server} stopped: 10 of 10 POST /bookings answered 201 and were notified; stream: ${describe(during)}`);
    compose(['start', service]);
    await waitHealthy(120_000, Object.keys(NATS_NODES));
    const after = await eventually(
      async () => {
        const st = bookingsStream();
        return allCurrent(st) && st.replicas === 3 && st;
      },
      `the BOOKINGS stream with its 3 copies current after ${server} came back`,
      60_000,
    );
    await bookAndNotified(`after ${server} came back`);
    booked += 1;
    log(`ok   ${server} back, healthy: ${describe(after)}; a new booking notified`);
    return after;
  };
  const back = await outage('nats', `node 1, every service's first server; the stream's leader was ${stream.leader}`);
  const leader = Object.keys(NATS_NODES).find((n) => NATS_NODES[n] === back.leader);
  await outage(leader, "the stream's leader");
  const stored = (
    await expectStatus(
      call('booking-service', 'GET', `/bookings?eventId=${demo.haEvent.id}&limit=1`, { token: demo.adminToken }),
      200,
      'GET /bookings?eventId',
    )
  ).pagination.total;
  check(stored === booked, `stored ${stored} bookings for ${booked} answered 201`);
  log(`ok   ${stored} bookings stored for ${booked} answered 201, each notified once`);
}

// ---------- main ----------
let failed = false;
/** One run: its steps; on a failure the stack's state and last logs; then `down -v` (unless KEEP=1). */
async function runPart(steps) {
  try {
    for (const step of steps) await step();
  } catch (err) {
    failed = true;
    console.error(`FAIL (${run.name}) ${err instanceof CheckFailed ? err.message : (err?.stack ?? err)}`);
    const base = [...COMPOSE.slice(1), '--env-file', run.envFile, '-p', run.project];
    spawnSync(COMPOSE[0], [...base, 'ps'], { cwd: ROOT, stdio: 'inherit' });
    spawnSync(COMPOSE[0], [...base, 'logs', '--tail=30'], { cwd: ROOT, stdio: 'inherit' });
    console.error(`compose output: ${composeLog}`);
  } finally {
    for (const what of deferred.splice(0)) {
      failed = true;
      console.error(`FAIL (${run.name}) ${what}`);
    }
    if (process.env.KEEP === '1') {
      log(
        `KEEP=1: left running. Remove with: ${COMPOSE.join(' ')} --env-file ${run.envFile} -p ${run.project} down -v`,
      );
    } else {
      compose(['down', '-v', '--remove-orphans'], { allowFail: true });
      const volumes = docker('volume', 'ls', '-q', '--filter', `name=${run.project}_`).stdout.trim();
      if (volumes) {
        failed = true;
        console.error(`FAIL volumes left after down -v: ${volumes}`);
      } else log(`ok   ${run.name}: down -v: containers, network and volumes removed`);
    }
  }
}

if (HA !== 'only') await runPart([() => setUp(), upAndDemo, loadWithKill, downUpKeepsData]);
if (HA !== '0') {
  Object.assign(run, { name: 'ha', project: `ebssmokeha${runId}`, envFile: path.join(tmp, 'ha.env') });
  // The two lines a user adds to .env for the ha profile (docker-compose.yml, the nats service).
  await runPart([() => setUp({ COMPOSE_PROFILES: 'ha', NATS_NODES: '3' }), haProfile]);
}
// The temporary folder holds .env files with generated secrets: gone after a pass; after a failure only the logs stay.
if (process.env.KEEP !== '1') {
  if (failed) for (const f of ['.env', 'ha.env']) rmSync(path.join(tmp, f), { force: true });
  else rmSync(tmp, { recursive: true, force: true });
}
log(failed ? 'compose smoke test FAILED' : 'compose smoke test passed');
process.exit(failed ? 1 : 0);
