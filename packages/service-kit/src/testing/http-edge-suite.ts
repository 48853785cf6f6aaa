import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { type ServiceProcess, startServiceProcess } from './service-process';
import { adminAuth } from './tokens';

/** What the HTTP-edge suite needs of a service: its routes to probe and how to build its app in process. */
export type HttpEdgeSpec = {
  /** A list route, e.g. '/bookings'. */
  list: string;
  /** The methods the list route serves, as the Allow header names them. */
  listAllow: string;
  /** A route whose JSON body is parsed. */
  bodyRoute: { method: string; path: string };
  /** The methods `${list}/:id` serves (undefined: the service has no such route). */
  idAllow: string | undefined;
  /** Whether the service connects to NATS. */
  needsNats: boolean;
  /** The service wired as main.ts wires it, with these environment overrides. */
  createApp: (env?: NodeJS.ProcessEnv) => { app: Express; pool: Pool; close: () => Promise<void> };
};

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: unknown };

/** Resolves once the process has logged that its shutdown began (checked every 10 ms, for at most 10 s). */
async function shuttingDown(svc: ServiceProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!svc.logs.some((l) => String(l.msg).startsWith('shutting down'))) {
    if (Date.now() > deadline) throw new Error('the service logged no "shutting down" within 10 s of SIGTERM');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A GET as an admin through a keep-alive agent: whether it reused a socket, and when that socket closes. */
export function sendOn(agent: http.Agent, base: string, path: string) {
  return new Promise<{
    status: number;
    headers: http.IncomingHttpHeaders;
    reusedSocket: boolean;
    socketClosed: Promise<boolean>;
  }>((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent, headers: adminAuth() }, (res) => {
      const socket = req.socket;
      const socketClosed = new Promise<boolean>((closed) => {
        if (socket?.destroyed) closed(true);
        else socket?.once('close', () => closed(true));
        setTimeout(() => closed(false), 5_000).unref();
      });
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, reusedSocket: req.reusedSocket, socketClosed }),
      );
    });
    req.on('error', reject);
  });
}

/**
 * One request with exactly these headers and body bytes (fetch would fix some of them up), as an admin, so
 * that what is checked is the edge, not access.
 */
function send(base: string, method: string, path: string, headers: http.OutgoingHttpHeaders, body?: Buffer | string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: { ...adminAuth(), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // left as text: the assertions below then fail on the shape
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const contractError = (code: string) => ({ error: { code, message: expect.any(String) } });
const json = (s: string) => ({ 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });

/**
 * The HTTP edge as a service answers it: content encodings, UTF-8 JSON only, methods and 405, query parameters,
 * readiness under a full pool, what Node's parser refuses, slow clients, the drain. Every service runs it with
 * its own routes (test/http-edge.test.ts); the behaviour lives in this kit's http and lifecycle code.
 */
export function describeHttpEdge(spec: HttpEdgeSpec): void {
  const { list: LIST, listAllow: LIST_ALLOW, bodyRoute: BODY_ROUTE, idAllow: ID_ALLOW, needsNats: NEEDS_NATS } = spec;
  const createTestApp = spec.createApp;

  describe('the HTTP edge, in process', () => {
    let t: ReturnType<HttpEdgeSpec['createApp']>;
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      t = createTestApp();
      server = http.createServer(t.app);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
      await t.close();
    });
    /** A body of this Content-Type (and its exact length) to the service's body route. */
    const sendBody = (type: string, body: string) =>
      send(
        base,
        BODY_ROUTE.method,
        BODY_ROUTE.path,
        { 'content-type': type, 'content-length': Buffer.byteLength(body) },
        body,
      );

    describe('a body whose Content-Encoding lies', () => {
      const plain = '{"a":1}';
      const gzipped = zlib.gzipSync(plain);
      test.each([
        ['gzip', 'a plain body', Buffer.from(plain)],
        ['deflate', 'a plain body', Buffer.from(plain)],
        ['br', 'a plain body', Buffer.from(plain)],
        ['gzip', 'a truncated gzip body', gzipped.subarray(0, gzipped.length - 8)],
      ])(
        'when Content-Encoding is %s on %s, then 400 INVALID_JSON in the contract shape',
        async (encoding, _what, body) => {
          const res = await send(
            base,
            BODY_ROUTE.method,
            BODY_ROUTE.path,
            { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': body.length },
            body,
          );
          expect(res.status).toBe(400);
          expect(res.body).toEqual(contractError('INVALID_JSON'));
        },
      );

      test('when the Content-Encoding is one the parser does not know, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        const res = await send(
          base,
          BODY_ROUTE.method,
          BODY_ROUTE.path,
          { ...json(plain), 'content-encoding': 'compress' },
          plain,
        );
        expect(res.status).toBe(415);
        expect(res.body).toEqual(contractError('UNSUPPORTED_MEDIA_TYPE'));
      });

      test('when a gzip body is really gzip, then it is read (no encoding error)', async () => {
        const body = zlib.gzipSync('{"unknownField":1}');
        const res = await send(
          base,
          BODY_ROUTE.method,
          BODY_ROUTE.path,
          { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length },
          body,
        );
        expect(res.status).toBeLessThan(500);
        expect(JSON.stringify(res.body)).not.toMatch(/INVALID_JSON|UNSUPPORTED_MEDIA_TYPE/);
      });
    });

    describe('UTF-8 JSON only', () => {
      test.each([
        'application/json; charset=utf-7',
        'application/json; charset=utf-16',
        'application/json; charset=UTF-16LE',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'text/json',
      ])('when a body comes as %s, then 415 UNSUPPORTED_MEDIA_TYPE in the contract shape', async (type) => {
        const res = await sendBody(type, '{"a":1}');
        expect(res.status).toBe(415);
        expect(res.body).toEqual(contractError('UNSUPPORTED_MEDIA_TYPE'));
      });

      test('when a body comes without a Content-Type, then 415', async () => {
        const res = await send(base, BODY_ROUTE.method, BODY_ROUTE.path, { 'content-length': 7 }, '{"a":1}');
        expect(res.status).toBe(415);
        expect(res.body).toEqual(contractError('UNSUPPORTED_MEDIA_TYPE'));
      });

      test.each(['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/vnd.ebs+json'])(
        'when a body comes as %s, then it is parsed as JSON',
        async (type) => {
          const res = await sendBody(type, '{"a":');
          expect(res.status).toBe(400);
          expect(res.body).toEqual(contractError('INVALID_JSON'));
        },
      );

      test.each([
        ['a lone high surrogate', '"\\ud800"'],
        ['a lone low surrogate', '"x\\udc00y"'],
        ['a reversed pair', '"\\udc00\\ud800"'],
      ])('when a JSON string holds %s, then 400 INVALID_JSON (never stored as U+FFFD)', async (_what, value) => {
        const body = `{"name":${value}}`;
        const res = await send(base, BODY_ROUTE.method, BODY_ROUTE.path, json(body), body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(contractError('INVALID_JSON'));
      });

      test('when a JSON key holds a lone surrogate, then 400 INVALID_JSON', async () => {
        const body = '{"\\ud800":1}';
        const res = await send(base, BODY_ROUTE.method, BODY_ROUTE.path, json(body), body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(contractError('INVALID_JSON'));
      });

      test('when a JSON string holds a proper surrogate pair, then it is no JSON error', async () => {
        const body = '{"unknownField":"\\ud83d\\ude00"}';
        const res = await send(base, BODY_ROUTE.method, BODY_ROUTE.path, json(body), body);
        expect(res.status).toBeLessThan(500);
        expect(JSON.stringify(res.body)).not.toMatch(/INVALID_JSON|UNSUPPORTED_MEDIA_TYPE/);
      });
    });

    describe('methods', () => {
      test.each(['DELETE', 'PUT', 'OPTIONS'])(
        'when %s is sent to a known route, then 405 METHOD_NOT_ALLOWED with Allow',
        async (method) => {
          const res = await send(base, method, LIST, {});
          expect(res.status).toBe(405);
          expect(res.headers.allow).toBe(LIST_ALLOW);
          expect(res.body).toEqual(contractError('METHOD_NOT_ALLOWED'));
        },
      );

      test('when POST is sent to /health, then 405 with Allow: GET, HEAD', async () => {
        const res = await send(base, 'POST', '/health', {});
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('GET, HEAD');
        expect(res.body).toEqual(contractError('METHOD_NOT_ALLOWED'));
      });

      test('when OPTIONS is sent to an id route, then 405 with the methods of that route (or 404 when there is none)', async () => {
        const res = await send(base, 'OPTIONS', `${LIST}/00000000-0000-4000-8000-000000000000`, {});
        expect(res.status).toBe(ID_ALLOW ? 405 : 404);
        expect(res.headers.allow).toBe(ID_ALLOW);
        expect(res.body).toEqual(contractError(ID_ALLOW ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND'));
      });

      test('when a path is unknown, then 404 whatever the method', async () => {
        for (const method of ['GET', 'DELETE', 'OPTIONS']) {
          const res = await send(base, method, '/nope', {});
          expect(res.status).toBe(404);
          expect(res.body).toEqual(contractError('NOT_FOUND'));
        }
      });

      test('when HEAD is sent to a GET route, then it is served', async () => {
        const res = await send(base, 'HEAD', '/health', {});
        expect(res.status).toBe(200);
      });

      test('when any response leaves, then it carries the security headers', async () => {
        for (const path of ['/health', '/nope']) {
          const res = await send(base, 'GET', path, {});
          expect(res.headers['x-content-type-options']).toBe('nosniff');
          expect(res.headers['content-security-policy']).toMatch(/frame-ancestors/);
          expect(res.headers['x-frame-options']).toBeDefined();
          expect(res.headers['x-powered-by']).toBeUndefined();
        }
      });
    });

    describe('query parameters', () => {
      test('when a query parameter is unknown (or wrongly cased), then 400 VALIDATION_FAILED naming it', async () => {
        const res = await send(base, 'GET', `${LIST}?userid=x`, {});
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: {
            code: 'VALIDATION_FAILED',
            message: expect.any(String),
            details: [{ field: 'userid', message: expect.any(String) }],
          },
        });
      });

      test('when offset is past 100000, then 400 VALIDATION_FAILED; at 100000, then 200', async () => {
        const over = await send(base, 'GET', `${LIST}?offset=100001`, {});
        expect(over.status).toBe(400);
        expect((over.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
        const at = await send(base, 'GET', `${LIST}?offset=100000`, {});
        expect(at.status).toBe(200);
      });
    });
  });

  describe('readiness under a full pool', () => {
    test('when every pooled connection is held, then /ready still answers 200 with mysql up', async () => {
      const t = createTestApp({ MYSQL_POOL_SIZE: '2', MYSQL_QUEUE_LIMIT: '1' });
      const held = await Promise.all([t.pool.getConnection(), t.pool.getConnection()]);
      const server = http.createServer(t.app);
      try {
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const replies = await Promise.all([1, 2, 3].map(() => send(base, 'GET', '/ready', {})));
        for (const res of replies) {
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ status: 'ready', checks: { mysql: 'up' } });
        }
      } finally {
        for (const c of held) c.release();
        await new Promise((r) => server.close(r));
        await t.close();
      }
    });
  });

  /** Writes raw bytes on a new socket and collects everything until the server closes it. */
  function rawExchange(port: number, payload: string | Buffer, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`socket still open after ${timeoutMs} ms; got: ${text.slice(0, 200)}`));
      }, timeoutMs);
      socket.on('data', (c) => {
        text += c.toString('latin1');
      });
      socket.on('error', () => {
        // a reset after the answer: what was read counts
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
      socket.write(payload);
    });
  }

  function parseRaw(text: string): { status: number; headers: Record<string, string>; body: unknown } {
    const [head = '', body = ''] = text.split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    let parsed: unknown = body;
    try {
      parsed = JSON.parse(body);
    } catch {
      // stays text
    }
    return { status: Number(statusLine.split(' ')[1]), headers, body: parsed };
  }

  describe('the service process', () => {
    let svc: ServiceProcess | undefined;
    afterEach(() => {
      if (svc?.proc.exitCode === null && svc.proc.signalCode === null) svc.proc.kill('SIGKILL');
    });

    test('when Node refuses a request at the HTTP layer, then the answer is a 4xx with the contract body', async () => {
      svc = await startServiceProcess();
      const port = svc.port;
      const cases: Array<[string, string, number, string]> = [
        ['a 64 KB URL', `GET /health?${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
        [
          'a bare LF in a header',
          'GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\nX-B: 2\r\n\r\n',
          400,
          'VALIDATION_FAILED',
        ],
        ['a NUL in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400, 'VALIDATION_FAILED'],
        [
          'Content-Length with chunked',
          `POST ${BODY_ROUTE.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
          400,
          'VALIDATION_FAILED',
        ],
        [
          'two Content-Lengths',
          `POST ${BODY_ROUTE.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
          400,
          'VALIDATION_FAILED',
        ],
        ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'VALIDATION_FAILED'],
      ];
      for (const [what, payload, status, code] of cases) {
        const res = parseRaw(await rawExchange(port, Buffer.from(payload, 'latin1')));
        expect({ what, status: res.status, body: res.body }).toEqual({ what, status, body: contractError(code) });
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect((await fetch(`${svc.url}/health`)).status).toBe(200);
    });

    test('when 200 slowloris clients trickle their headers, then every socket is closed within the headers bound', async () => {
      svc = await startServiceProcess({ HTTP_HEADERS_TIMEOUT_MS: '1500' });
      const port = svc.port;
      const started = Date.now();
      const closedAfter = await Promise.all(
        Array.from(
          { length: 200 },
          () =>
            new Promise<number>((resolve) => {
              const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n'));
              const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
              const giveUp = setTimeout(() => socket.destroy(), 15_000);
              socket.on('error', () => {});
              socket.on('close', () => {
                clearInterval(drip);
                clearTimeout(giveUp);
                resolve(Date.now() - started);
              });
            }),
        ),
      );
      // The bound plus Node's check interval (1 s) and some slack for a loaded machine; 15 s means never.
      expect(Math.max(...closedAfter)).toBeLessThan(6_000);
      expect((await fetch(`${svc.url}/health`)).status).toBe(200);
    });

    test('when SIGTERM arrives, then /ready answers 503 at once, requests are served through the drain, then exit 0', async () => {
      svc = await startServiceProcess({ SHUTDOWN_DRAIN_MS: '2000' });
      expect((await fetch(`${svc.url}/ready`)).status).toBe(200);
      const sent = Date.now();
      svc.proc.kill('SIGTERM');
      await shuttingDown(svc);
      const ready = await fetch(`${svc.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { mysql: 'up' } });
      const list = await fetch(`${svc.url}${LIST}`, { headers: { ...adminAuth(), connection: 'close' } });
      expect(list.status).toBeLessThan(500);
      expect((await fetch(`${svc.url}/health`)).status).toBe(200);
      const { code } = await svc.exited;
      expect(code).toBe(0);
      expect(Date.now() - sent).toBeGreaterThanOrEqual(2_000);
      // A balancer's probe of a draining service is not a fault: logged at info, not warn or error.
      const probes = svc.logs.filter((l) => l.url === '/ready' && l.status === 503);
      expect(probes.map((l) => [l.level, l.msg])).toEqual([[30, 'not ready: draining']]);
    });

    test('when a keep-alive client sends while the service drains, then the answer says Connection: close and the socket closes after it', async () => {
      svc = await startServiceProcess({ SHUTDOWN_DRAIN_MS: '2000' });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const before = await sendOn(agent, svc.url, LIST);
        expect(before.status).toBe(200);
        // The idle timeout the service announces outlasts a fronting proxy's (nginx, AWS: 60 s).
        expect(before.headers.connection).toBe('keep-alive');
        expect(before.headers['keep-alive']).toMatch(/^timeout=65(,|$)/);
        svc.proc.kill('SIGTERM');
        await shuttingDown(svc);
        const during = await sendOn(agent, svc.url, LIST);
        expect(during.status).toBe(200);
        expect(during.headers.connection).toBe('close');
        expect(during.reusedSocket).toBe(true); // sent on the socket opened before the drain
        expect(await during.socketClosed).toBe(true);
        expect((await svc.exited).code).toBe(0);
      } finally {
        agent.destroy();
      }
    });

    if (NEEDS_NATS) {
      test('when NATS was never reachable, then SIGTERM exits 0 right after the drain', async () => {
        const closed = net.createServer();
        await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
        const deadPort = (closed.address() as AddressInfo).port;
        await new Promise((r) => closed.close(r));
        svc = await startServiceProcess({ NATS_URL: `nats://127.0.0.1:${deadPort}`, SHUTDOWN_DRAIN_MS: '200' });
        const sent = Date.now();
        svc.proc.kill('SIGTERM');
        const { code } = await svc.exited;
        expect(code).toBe(0);
        expect(Date.now() - sent).toBeLessThan(3_000);
      });
    }
  });
}
