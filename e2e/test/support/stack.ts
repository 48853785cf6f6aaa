import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findBinary, freePort } from '@ebs/test-support';
import mysql, { type Pool } from 'mysql2/promise';

// The whole system as real processes, the way `npm start` runs it, on a fresh database, a Redis key prefix
// and a nats-server of its own (or a NATS it is given, e.g. a cluster): user, event and notification services
// and TWO booking-service replicas.

/** The repository root: the nearest folder above this file holding db/migrations (also from bench's build). */
const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'db', 'migrations')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A process the stack can kill and start again on the same port. */
export class Proc {
  child: ChildProcess | undefined;
  readonly output: string[] = [];
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd?: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(ready: () => Promise<boolean>): Promise<void> {
    const child = spawn(this.command, this.args, {
      env: { ...process.env, ...this.env },
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.output.length > 500) this.output.splice(0, this.output.length - 500);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitUntil(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited at start:\n${this.output.slice(-20).join('\n')}`);
        return ready();
      },
      20_000,
      `${this.name} to start`,
    );
  }

  /** Sends the signal and waits for the exit; resolves with the exit code (null when killed by a signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    return exited;
  }
}

export type Stack = {
  database: string;
  /** The environment every service process got (without PORT). */
  env: Record<string, string>;
  /**
   * Starts one more process of a service folder with env overrides (e.g. a replica without Redis); an override
   * of `undefined` removes the stack's value, so the service runs with its own default.
   */
  extra: (service: string, overrides: Record<string, string | undefined>) => Promise<Proc>;
  pool: Pool;
  /** The nats-server this stack started (see StackOnNats for a stack started on a NATS it was given). */
  nats: Proc;
  /** NATS_URL of every service: the stack's own server, or the list it was given. */
  natsUrl: string;
  users: Proc;
  events: Proc;
  notifications: Proc;
  bookings: [Proc, Proc];
  /** The bootstrapped admin (ADMIN_EMAIL/ADMIN_PASSWORD) and its Authorization header, from a real login. */
  admin: { email: string; password: string };
  adminAuth: Record<string, string>;
  /** Starts a stopped service process again on its port. */
  restart: (p: Proc) => Promise<void>;
  stop: () => Promise<void>;
};

/**
 * A stack started on a NATS it was given (`startStack({ natsUrl })`): it has no nats-server of its own, and
 * reading `nats` throws (the type says so); the caller starts, stops and kills those servers itself. It is a
 * Stack for everything else (scenario helpers take it as one).
 */
export type StackOnNats = Omit<Stack, 'nats'> & { readonly nats: never };

export type StackOptions = {
  /** NATS_URL for every service (one server or a comma-separated list) instead of a nats-server of its own. */
  natsUrl?: string;
  /** More environment for every service process, over the stack's own (e.g. NATS_STREAM_REPLICAS). */
  env?: Record<string, string>;
};

function requireInfra(): { mysql: mysql.ConnectionOptions; redisUrl: string } {
  const env = process.env;
  return {
    mysql: {
      host: env.MYSQL_HOST || '127.0.0.1',
      port: Number(env.MYSQL_PORT || 3306),
      user: env.MYSQL_USER || 'root',
      password: env.MYSQL_PASSWORD ?? '',
    },
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

export function startStack(options?: StackOptions & { natsUrl?: undefined }): Promise<Stack>;
export function startStack(options: StackOptions & { natsUrl: string }): Promise<StackOnNats>;
export async function startStack(options: StackOptions = {}): Promise<Stack | StackOnNats> {
  const infra = requireInfra();
  const { hostname: redisHost, port: redisPort } = new URL(infra.redisUrl);
  for (const [what, host, port] of [
    ['MySQL', String(infra.mysql.host), Number(infra.mysql.port)],
    ['Redis', redisHost, Number(redisPort || 6379)],
  ] as const) {
    if (!(await canConnect(host, port))) {
      throw new Error(
        `${what} is not reachable at ${host}:${port}: start it (bash scripts/ensure-infra.sh) or set its env`,
      );
    }
  }
  for (const svc of ['db', 'user-service', 'event-service', 'booking-service', 'notification-service']) {
    if (!existsSync(path.join(ROOT, svc, 'dist', 'main.js'))) {
      throw new Error(`${svc} is not built: run \`npm install\` at the repo root first`);
    }
  }
  // Looked up before anything is made (the database), so a missing binary leaves nothing behind.
  const natsBin = options.natsUrl === undefined ? natsServerBinary() : undefined;

  const database = `ebs_e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
  const mysqlEnv = {
    MYSQL_HOST: String(infra.mysql.host),
    MYSQL_PORT: String(infra.mysql.port),
    MYSQL_USER: String(infra.mysql.user),
    MYSQL_PASSWORD: String(infra.mysql.password ?? ''),
    MYSQL_DB: database,
  };
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'db', 'dist', 'main.js')], {
    env: { ...process.env, ...mysqlEnv },
  });

  const own = natsBin === undefined ? undefined : await startStackNats(natsBin);
  const natsUrl = own?.url ?? (options.natsUrl as string);

  // One signing key per stack, made as `npm start` makes the development key; the other services fetch the
  // public key from user-service's JWKS, as in production.
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const admin = { email: `admin-${database}@example.com`, password: 'e2e admin password' };
  const env: Record<string, string> = {
    ...mysqlEnv,
    JWT_PRIVATE_KEY: signingKey,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: `${database}:`,
    NATS_URL: natsUrl,
    LOG_LEVEL: 'warn',
    // Faster redelivery and polling than production defaults, so fault tests finish in seconds.
    NATS_ACK_WAIT_MS: '2000',
    OUTBOX_POLL_MS: '200',
    // No load balancer has to notice a stopping replica here: a short drain keeps restarts quick.
    SHUTDOWN_DRAIN_MS: '200',
    ...options.env,
  };
  // SERVICE_NODE_ARGS passes node flags to every service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile.
  const nodeArgs = [...(process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean), 'dist/main.js'];
  const service = async (name: string, overrides: Record<string, string> = {}) => {
    const port = await freePort();
    const procEnv = { ...env, PORT: String(port), ...overrides };
    return new Proc(name, port, process.execPath, nodeArgs, procEnv, path.join(ROOT, name));
  };
  const users = await service('user-service');
  env.AUTH_JWKS_URL = `${users.url}/.well-known/jwks.json`;
  const events = await service('event-service');
  // At info: its one line per handled message (with the booking's X-Request-Id) is what e2e follows.
  const notifications = await service('notification-service', { LOG_LEVEL: 'info' });
  const bookings: [Proc, Proc] = [await service('booking-service'), await service('booking-service')];

  const healthy = (p: Proc) => async () => {
    try {
      const res = await fetch(`${p.url}/ready`);
      const body = (await res.json()) as { checks?: Record<string, string> };
      return res.status === 200 && Object.values(body.checks ?? {}).every((c) => c === 'up');
    } catch {
      return false;
    }
  };
  const all = [users, events, notifications, ...bookings];
  try {
    await Promise.all(all.map((p) => p.start(healthy(p))));
  } catch (err) {
    // Leave nothing running behind a failed start.
    await Promise.all(all.map((p) => p.stop('SIGKILL')));
    await own?.stop();
    throw err;
  }

  const pool = mysql.createPool({ ...infra.mysql, database, connectionLimit: 5, timezone: 'Z' });
  const adminAuth = await loginWhenReady(users.url, admin);
  const extras: Proc[] = [];
  const stack: Omit<Stack, 'nats'> = {
    database,
    env,
    extra: async (name, overrides) => {
      const p = await service(name);
      const procEnv: Record<string, string> = { ...env, PORT: String(p.port) };
      for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) delete procEnv[key];
        else procEnv[key] = value;
      }
      const withOverrides = new Proc(name, p.port, process.execPath, nodeArgs, procEnv, path.join(ROOT, name));
      await withOverrides.start(
        async () => (await fetch(`${withOverrides.url}/health`).catch(() => undefined))?.ok === true,
      );
      extras.push(withOverrides);
      return withOverrides;
    },
    pool,
    natsUrl,
    users,
    events,
    notifications,
    bookings,
    admin,
    adminAuth,
    restart: (p) => p.start(p === own?.proc ? () => canConnect('127.0.0.1', p.port) : healthy(p)),
    stop: async () => {
      await Promise.all(extras.map((p) => p.stop('SIGTERM')));
      const codes = await Promise.all(all.map((p) => p.stop('SIGTERM')));
      await own?.stop();
      await pool.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
      await pool.end();
      const bad = codes.map((c, i) => [all[i]?.name, c]).filter(([, c]) => c !== 0 && c !== null);
      if (bad.length > 0) throw new Error(`services did not exit cleanly: ${JSON.stringify(bad)}`);
    },
  };
  if (own) return { ...stack, nats: own.proc };
  return Object.defineProperty(stack, 'nats', {
    enumerable: true,
    get(): never {
      throw new Error(`this stack runs on the NATS it was given (${natsUrl}): it has no nats-server of its own`);
    },
  }) as StackOnNats;
}

/** The nats-server binary (test-support's look-up); throws naming what to install when there is none. */
export function natsServerBinary(): string {
  const bin = findBinary('nats-server');
  if (!bin) {
    throw new Error(
      'nats-server is not installed (looked in /usr/sbin, /usr/local/bin and PATH): e2e runs real nats-servers (apt-get install nats-server)',
    );
  }
  return bin;
}

/**
 * A nats-server of the stack's own with JetStream on a free port and a temporary store. Not test-support's
 * startOwnNats: the stack's server is a Proc (faults.test.ts SIGKILLs it and starts it again through
 * stack.restart, on the same port and store; its output is kept for a failed start), it stops with SIGTERM
 * and its store is removed with the stack.
 */
async function startStackNats(bin: string) {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'ebs-e2e-nats-'));
  const port = await freePort();
  const proc = new Proc('nats', port, bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {});
  try {
    await proc.start(() => canConnect('127.0.0.1', port));
  } catch (err) {
    rmSync(storeDir, { recursive: true, force: true });
    throw err;
  }
  return {
    proc,
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      await proc.stop('SIGTERM');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Logs the admin in (the bootstrap runs right after start, so it may take a moment); the Authorization header. */
async function loginWhenReady(usersUrl: string, admin: { email: string; password: string }) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${usersUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    if (res.ok) return { Authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}` };
    if (Date.now() > deadline) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
