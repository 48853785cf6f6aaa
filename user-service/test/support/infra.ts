import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

// How tests find their infrastructure (docs/architecture.md):
// 1. MYSQL_HOST (and friends) in the environment: use that server.
// 2. Nothing given and a Docker engine present: testcontainers starts one.
// 3. Nothing given and no Docker: the machine's local server on the default port.
// Whatever is chosen must answer; when it does not, the run fails with a message saying what is missing
// (with CI=true or not: these tests cannot mean anything without it).

export type MysqlTarget = { host: string; port: number; user: string; password: string };

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function dockerPresent(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

export function canConnect(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function resolveMysql(): Promise<{ target: MysqlTarget; stop?: () => Promise<void> }> {
  const env = process.env;
  if (!env.MYSQL_HOST && dockerPresent()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('mysql:8.4')
      .withEnvironment({ MYSQL_ROOT_PASSWORD: 'test' })
      .withExposedPorts(3306)
      .withWaitStrategy(Wait.forLogMessage(/ready for connections.*port: 3306/))
      .start();
    return {
      target: { host: container.getHost(), port: container.getMappedPort(3306), user: 'root', password: 'test' },
      stop: async () => {
        await container.stop();
      },
    };
  }
  const target = {
    host: env.MYSQL_HOST || '127.0.0.1',
    port: Number(env.MYSQL_PORT || 3306),
    user: env.MYSQL_USER || 'root',
    password: env.MYSQL_PASSWORD ?? '',
  };
  if (!(await canConnect(target.host, target.port))) {
    throw new Error(
      `MySQL is not reachable at ${target.host}:${target.port}. Start MariaDB/MySQL (see README), ` +
        'set MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD, or run with a Docker engine for testcontainers.',
    );
  }
  return { target };
}

export async function resolveRedis(): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (!process.env.REDIS_URL && dockerPresent()) {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      stop: async () => {
        await container.stop();
      },
    };
  }
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const { hostname, port } = new URL(url);
  if (!(await canConnect(hostname, Number(port || 6379)))) {
    throw new Error(`Redis is not reachable at ${url}. Start Redis (see README) or set REDIS_URL.`);
  }
  return { url };
}

/** Applies the schema with db/'s own runner (built by the root install), as `npm run migrate` does. */
export async function migrateDatabase(target: MysqlTarget, database: string): Promise<void> {
  const runner = path.join(REPO_ROOT, 'db', 'dist', 'main.js');
  if (!existsSync(runner)) throw new Error(`${runner} is missing: run \`npm install\` at the repo root first`);
  await promisify(execFile)(process.execPath, [runner], {
    env: {
      ...process.env,
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      MYSQL_DB: database,
    },
  });
}

export type OwnServer = {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: no goodbye to clients). */
  stop: () => Promise<void>;
  /** Starts it again on the same port. */
  start: () => Promise<void>;
  /** Sends a signal, e.g. SIGSTOP/SIGCONT to make it hang and resume. */
  signal: (sig: NodeJS.Signals) => void;
};

/** Starts a server binary of the test's own on a free port; `args(port)` gives its command line. */
export async function startOwnServer(command: string, args: (port: number) => string[]): Promise<OwnServer> {
  const { spawn } = await import('node:child_process');
  const srv = net.createServer();
  const port = await new Promise<number>((resolve) =>
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port)),
  );
  await new Promise((r) => srv.close(r));
  let proc: import('node:child_process').ChildProcess | undefined;
  const start = async () => {
    proc = spawn(command, args(port), { stdio: 'ignore' });
    proc.once('error', () => {});
    for (let i = 0; i < 100 && !(await canConnect('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await canConnect('127.0.0.1', port))) throw new Error(`${command} did not start on port ${port}`);
  };
  const stop = async () => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc?.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url: '', start, stop, signal: (sig) => proc?.kill(sig) };
}

/** A redis-server of the test's own (the binary is on every machine here), to stop, pause or restart. */
export async function startOwnRedis(): Promise<OwnServer> {
  const server = await startOwnServer('redis-server', (port) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  return { ...server, url: `redis://127.0.0.1:${server.port}` };
}

/**
 * A nats-server with JetStream of the test's own, with a temporary store that survives its restarts, so
 * streams and durable consumers of one run never meet another's.
 */
export async function startOwnNats(): Promise<OwnServer & { storeDir: string }> {
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'ebs-nats-'));
  const binary = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
  const server = await startOwnServer(binary, (port) => [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-js',
    '-sd',
    storeDir,
  ]);
  return { ...server, url: `nats://127.0.0.1:${server.port}`, storeDir };
}
