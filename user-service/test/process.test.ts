import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { type ServiceProcess, startServiceProcess } from '@ebs/service-kit/testing';
import mysql from 'mysql2/promise';

// The built service as `npm start` runs it: real process, real port, real signals.

const dbEnv = () => ({
  host: process.env.MYSQL_HOST,
  port: Number(process.env.MYSQL_PORT),
  user: process.env.MYSQL_USER,
  password: process.env.MYSQL_PASSWORD,
  database: process.env.MYSQL_DB,
});

describe('the service process', () => {
  let svc: ServiceProcess | undefined;
  afterEach(() => {
    if (svc?.proc.exitCode === null) svc.proc.kill('SIGKILL');
  });

  test('when a request carries X-Request-Id, then the JSON log lines of that request carry it', async () => {
    svc = await startServiceProcess();
    const requestId = `log-${randomUUID()}`;
    const res = await fetch(`${svc.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ name: 'Logged', email: `${requestId}@example.com`, password: 'long enough' }),
    });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    const line = svc.logs.find((l) => l.requestId === requestId);
    expect(line).toMatchObject({ service: 'user-service', method: 'POST', url: '/users', status: 201, level: 30 });
    expect(line?.time).toEqual(expect.stringMatching(/Z$/));
  });

  test('when /health and /ready are probed, then they log nothing at info while other requests still do', async () => {
    svc = await startServiceProcess();
    const ids = { health: `probe-${randomUUID()}`, ready: `probe-${randomUUID()}`, other: `other-${randomUUID()}` };
    for (const [name, path] of [
      ['health', '/health'],
      ['ready', '/ready'],
      ['other', '/no-such-route'],
    ] as const) {
      const res = await fetch(`${svc.url}${path}`, { headers: { 'x-request-id': ids[name] } });
      expect(res.status).toBe(name === 'other' ? 404 : 200);
    }
    await new Promise((r) => setTimeout(r, 100));
    const lines = (id: string) => svc?.logs.filter((l) => l.requestId === id && Number(l.level) >= 30) ?? [];
    expect(lines(ids.health)).toEqual([]);
    expect(lines(ids.ready)).toEqual([]);
    expect(lines(ids.other)).toEqual([expect.objectContaining({ url: '/no-such-route', status: 404, level: 30 })]);
  });

  test('when SIGTERM arrives during a request, then the request completes and the process exits 0', async () => {
    svc = await startServiceProcess();
    // Hold a table lock so the service's INSERT waits: that request is in flight when the signal lands.
    const locker = await mysql.createConnection(dbEnv());
    await locker.query('LOCK TABLES users WRITE');
    const email = `inflight-${randomUUID()}@example.com`;
    const inFlight = fetch(`${svc.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'In flight', email, password: 'long enough' }),
    });
    await new Promise((r) => setTimeout(r, 300));
    const signalledAt = Date.now();
    svc.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(svc.proc.exitCode).toBeNull(); // still finishing the request

    // New connections are refused while it drains.
    await expect(fetch(`${svc.url}/health`)).rejects.toThrow();

    await locker.query('UNLOCK TABLES');
    const res = await inFlight;
    expect(res.status).toBe(201);
    expect(((await res.json()) as { email: string }).email).toBe(email);
    const { code } = await svc.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(svc.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
    await locker.end();
  });

  test('when a user signs up and logs in (right, wrong, invalid), then the password is in no response, log line or column', async () => {
    svc = await startServiceProcess({ LOG_LEVEL: 'trace' });
    const password = `pw-${randomUUID()}`;
    const email = `secret-${randomUUID()}@example.com`;
    const post = (route: string, body: unknown) =>
      fetch(`${svc?.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const responses = [
      await post('/users', { name: 'Secretive', email, password }),
      await post('/users', { name: 'Secretive', email, password }), // 409
      await post('/users', { name: '', email, password }), // 400
      await post('/auth/token', { email, password }),
      await post('/auth/token', { email, password: `${password}-wrong` }),
      await post('/auth/token', { email, password, extra: password }), // 400
    ];
    expect(responses.map((r) => r.status)).toEqual([201, 409, 400, 200, 401, 400]);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    for (const body of bodies) expect(body).not.toContain(password);
    await new Promise((r) => setTimeout(r, 200));
    const logText = `${JSON.stringify(svc.logs)}${svc.stderr()}`;
    expect(svc.logs.length).toBeGreaterThan(6);
    expect(logText).not.toContain(password);
    const conn = await mysql.createConnection(dbEnv());
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT * FROM users WHERE email = ?', [email]);
    await conn.end();
    expect(JSON.stringify(rows)).not.toContain(password);
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('when two replicas start at once with the same ADMIN_EMAIL, then exactly one admin exists and it can log in', async () => {
    const admin = { ADMIN_EMAIL: `boot-${randomUUID()}@example.com`, ADMIN_PASSWORD: 'bootstrap password' };
    const [a, b] = await Promise.all([startServiceProcess(admin), startServiceProcess(admin)]);
    try {
      const conn = await mysql.createConnection(dbEnv());
      let rows: mysql.RowDataPacket[] = [];
      for (let i = 0; i < 50 && rows.length === 0; i++) {
        [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT role FROM users WHERE email = ?', [admin.ADMIN_EMAIL]);
        if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300)); // both attempts have run
      [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT role FROM users WHERE email = ?', [admin.ADMIN_EMAIL]);
      await conn.end();
      expect(rows.map((r) => r.role)).toEqual(['admin']);
      const created = [...a.logs, ...b.logs].filter((l) => l.msg === 'admin user created');
      expect(created).toHaveLength(1);
      const res = await fetch(`${b.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: admin.ADMIN_EMAIL, password: admin.ADMIN_PASSWORD }),
      });
      expect(res.status).toBe(200);
      const { accessToken } = (await res.json()) as { accessToken: string };
      expect((await fetch(`${a.url}/users`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
    } finally {
      a.proc.kill('SIGKILL');
      b.proc.kill('SIGKILL');
    }
  });

  test('when SIGINT arrives while idle, then the process exits 0 promptly', async () => {
    svc = await startServiceProcess();
    const started = Date.now();
    svc.proc.kill('SIGINT');
    expect((await svc.exited).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test.each([
    ['JWT_PRIVATE_KEY', 'not a key'],
    ['JWT_PRIVATE_KEY', ''],
    ['JWT_TTL_SECONDS', 'soon'],
    ['ADMIN_EMAIL', 'not-an-email'],
  ])('when %s is %j, then the service stops at start with a message naming it', async (name, value) => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], {
      env: { ...process.env, ADMIN_PASSWORD: 'admin password', [name]: value },
    });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`${name}:`) });
  });

  test('when MYSQL_PORT is invalid, then the service stops at start with a message naming it', async () => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], { env: { ...process.env, MYSQL_PORT: 'not-a-port' } });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('MYSQL_PORT') });
  });

  test('when the port is already taken, then it exits 1 with a fatal line and never logs "listening"', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const main = path.resolve(__dirname, '..', 'dist', 'main.js');
      const run = promisify(execFile)(process.execPath, [main], {
        env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', LOG_PRETTY: 'false' },
      });
      const failed = await run.then(
        () => undefined,
        (err: { code: number; stdout: string }) => err,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stdout).toContain('EADDRINUSE');
      expect(failed?.stdout).not.toContain('listening');
    } finally {
      blocker.close();
    }
  });

  test('when LOG_PRETTY=true, then the log lines are human-readable rather than JSON', async () => {
    svc = await startServiceProcess({ LOG_PRETTY: 'true' });
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
    svc.proc.kill('SIGTERM');
    await svc.exited;
    const listening = svc.logs.find((l) => String(l.raw ?? '').includes('user-service listening'));
    expect(listening?.raw).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO/);
    expect(svc.logs.every((l) => l.raw !== undefined || l.service === undefined)).toBe(true);
  });
});
