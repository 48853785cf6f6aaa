import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { canConnect, findBinary, freePort } from '@ebs/test-support';

// A real haproxy (Debian's package) in front of booking replicas, started by the test in the foreground on a
// free loopback port, with health checks on GET /ready, as a load balancer in front of the services would be:
// - 'http': an ingress-like balancer that routes each request (keep-alive on both sides, per-request balancing);
// - 'tcp': what kube-proxy does behind a ClusterIP Service: connections, not requests, are balanced; an
//   endpoint that turns unready gets no new connections, but the connections already made stay where they are.

export const HAPROXY_MISSING =
  'haproxy is not installed: the rolling-restart tests start a real one (apt-get install haproxy)';

/** The haproxy binary, or undefined when it is not installed. */
export const haproxyBinary = (): string | undefined => findBinary('haproxy');

/** Health checks: every 500 ms, 2 failed to take a server out, 2 good to put it back. */
export const CHECK_INTER_MS = 500;
const FALL = 2;
const RISE = 2;

export type HaproxyMode = 'http' | 'tcp';
export type Backend = { name: string; port: number };

/** One row of `show stat` (the CSV's column names), for a server, the backend or the frontend. */
export type StatRow = Record<string, string>;

export type Haproxy = {
  mode: HaproxyMode;
  port: number;
  url: string;
  /** haproxy's own lines on stderr (start-up notices, server state changes; requests are not logged). */
  output: string[];
  /** `show stat` over the stats socket: rows by "proxy/server" (e.g. "bookings/booking-0", "bookings/BACKEND"). */
  stats: () => Promise<Map<string, StatRow>>;
  /** A server's row of `show stat`: `status` ("UP", "DOWN", "UP 1/2" going down, ...), `scur`, `hrsp_2xx`, ... */
  server: (server: string) => Promise<StatRow>;
  /** Polls the stats socket until the server's status is exactly `status`; resolves with the ms it took. */
  waitFor: (server: string, status: 'UP' | 'DOWN', timeoutMs?: number) => Promise<number>;
  /** Soft stop (SIGUSR1: listeners closed, sessions finish, bounded by hard-stop-after), then the temp dir goes. */
  stop: () => Promise<void>;
};

const BACKEND = 'bookings';

function config(mode: HaproxyMode, port: number, socket: string, backends: Backend[]): string {
  // Keep-alive on both sides (haproxy's default in http mode), each request balanced on its own.
  const httpDefaults = ['  timeout http-request 10s', '  timeout http-keep-alive 60s'];
  const httpBackend = [
    // A connection to a server that failed is tried again, on another server (redispatch) from the second
    // try. Only `conn-failure` is retried for a POST: it means the connection (or its handshake) failed, so
    // not one byte of the request was sent, and a retry cannot book twice. `empty-response` (the connection
    // closed after the request was sent, nothing came back) and `response-timeout` (no answer in time) are NOT
    // safe for a POST: the request may have reached the service, which may have committed the booking and
    // died (or be still working on it) before answering; sending it again could book twice. So those L7
    // retries are kept for GET and HEAD (METH_GET matches both): `http-request disable-l7-retry` turns off
    // every retry but the connection-failure ones. (A POST with an Idempotency-Key could be retried too, but
    // a retry landing while the first is still in flight answers 409 CONFLICT: not a balancer's decision.)
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout',
    '  http-request disable-l7-retry unless METH_GET',
  ];
  // kube-proxy neither retries nor redispatches: a connection goes to one endpoint and stays there.
  const tcpBackend = ['  retries 0'];
  return [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    '  maxconn 2000',
    '  hard-stop-after 5s',
    '',
    'defaults',
    `  mode ${mode}`,
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout check 1s',
    ...(mode === 'http' ? httpDefaults : []),
    '',
    'frontend entry',
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${BACKEND}`,
    '',
    `backend ${BACKEND}`,
    '  balance roundrobin',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    `  default-server inter ${CHECK_INTER_MS}ms fall ${FALL} rise ${RISE}`,
    ...(mode === 'http' ? httpBackend : tcpBackend),
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

/** One command on haproxy's stats socket; resolves with its whole answer. */
function command(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.connect({ path: socket });
    conn.setTimeout(2_000, () => conn.destroy(new Error(`haproxy stats socket: no answer to ${cmd}`)));
    conn.on('connect', () => conn.end(`${cmd}\n`));
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.on('end', () => resolve(Buffer.concat(chunks).toString()));
    conn.on('error', reject);
  });
}

function parseStat(csv: string): Map<string, StatRow> {
  const [header, ...lines] = csv.split('\n').filter(Boolean);
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const rows = new Map<string, StatRow>();
  for (const line of lines) {
    const values = line.split(',');
    const row: StatRow = Object.fromEntries(columns.map((c, i) => [c, values[i] ?? '']));
    rows.set(`${row.pxname}/${row.svname}`, row);
  }
  return rows;
}

/** Starts haproxy in front of `backends`; throws (with its output) when it does not start. */
export async function startHaproxy(mode: HaproxyMode, backends: Backend[]): Promise<Haproxy> {
  const binary = haproxyBinary();
  if (!binary) throw new Error(HAPROXY_MISSING);
  // freePort's port was free a moment ago; another process of a parallel run may take it first. Then
  // haproxy cannot bind, and it starts again on another port (only that: any other start failure throws).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, mode, backends);
    } catch (err) {
      if (attempt === 3 || !/cannot bind socket/.test(String((err as Error).message))) throw err;
    }
  }
}

async function startOnce(binary: string, mode: HaproxyMode, backends: Backend[]): Promise<Haproxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ebs-e2e-haproxy-'));
  const socket = path.join(dir, 'admin.sock');
  const cfg = path.join(dir, 'haproxy.cfg');
  const port = await freePort();
  writeFileSync(cfg, config(mode, port, socket, backends));

  const output: string[] = [];
  const child: ChildProcess = spawn(binary, ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 500) output.splice(0, output.length - 500);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const stats = async () => parseStat(await command(socket, 'show stat'));
  const server = async (name: string) => {
    const row = (await stats()).get(`${BACKEND}/${name}`);
    if (!row) throw new Error(`haproxy has no server ${name}`);
    return row;
  };

  const stop = async () => {
    if (running()) {
      child.kill('SIGUSR1');
      const hard = setTimeout(() => child.kill('SIGKILL'), 7_000);
      await exited;
      clearTimeout(hard);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!running()) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy exited at start:\n${output.join('\n')}`);
    }
    const answers = await stats().then(
      () => true,
      () => false,
    );
    if (answers && (await canConnect('127.0.0.1', port, 500))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start on port ${port}:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    mode,
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    stats,
    server,
    waitFor: async (name, wanted, timeoutMs = 10_000) => {
      const started = Date.now();
      let last = '';
      while (Date.now() - started < timeoutMs) {
        last = String((await server(name)).status);
        if (last === wanted) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`haproxy: ${name} still ${last} after ${timeoutMs} ms, not ${wanted}:\n${output.join('\n')}`);
    },
    stop,
  };
}
