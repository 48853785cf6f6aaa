import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { canConnect } from './probe';

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

/** The first executable of that name in /usr/sbin, /usr/local/bin or PATH; undefined when there is none. */
export function findBinary(name: string): string | undefined {
  const dirs = ['/usr/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((d) => path.join(d, name)).find((file) => existsSync(file));
}

/** Starts a server binary of the test's own on a free port; `args(port)` gives its command line. */
export async function startOwnServer(command: string, args: (port: number) => string[]): Promise<OwnServer> {
  const srv = net.createServer();
  const port = await new Promise<number>((resolve) =>
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port)),
  );
  await new Promise((r) => srv.close(r));
  let proc: ChildProcess | undefined;
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

/** A redis-server of the test's own (for outage tests: stop, pause or restart it). */
export async function startOwnRedis(): Promise<OwnServer> {
  const binary = findBinary('redis-server');
  if (!binary)
    throw new Error('redis-server is not installed: outage tests need the binary (apt-get install redis-server)');
  const server = await startOwnServer(binary, (port) => [
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
  const binary = findBinary('nats-server');
  if (!binary)
    throw new Error('nats-server is not installed: outage tests need the binary (apt-get install nats-server)');
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'ebs-nats-'));
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

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
