import { randomUUID } from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { call, get, type HttpResult } from './support/http';
import { createEvent, createUser } from './support/scenario';
import { type Stack, startStack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type BadRequest = {
  label: string;
  method: string;
  url: string;
  raw?: string | Buffer;
  json?: unknown;
  headers?: Record<string, string>;
};

// Values that are wrong for any field they are put in (fields take strings, integers or UUIDs).
const WRONG_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  1e308,
  '',
  ' ',
  'x'.repeat(5000),
  [],
  {},
  ["'; DROP TABLE users; --"],
  { $gt: '' },
  '<script>alert(1)</script>',
  "1' OR '1'='1",
  '\u0000',
  '../../etc/passwd',
];

const MALFORMED_JSON = [
  '{',
  '{"name": "a",}',
  "{'name': 'a'}",
  '{"name": "a"',
  'nul',
  '[1, 2',
  '{"a": 01}',
  '{"a": NaN}',
  '"\\u12"',
  '{"a":"b"}}',
  '\u0000',
  '<xml/>',
];

const BAD_IDS = [
  'abc',
  '1',
  "1' OR '1'='1",
  '%27%20OR%201%3D1--',
  '<script>',
  '00000000-0000-0000-0000-00000000000g',
  `${randomUUID()}x`,
  randomUUID().toUpperCase().replace(/-/g, ''),
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A',
  'null',
  'undefined',
];

const BAD_QUERIES = [
  'limit=0',
  'limit=101',
  'limit=-1',
  'limit=abc',
  'limit=1.5',
  'limit=1e2',
  'limit=',
  'offset=-1',
  'offset=x',
  'offset=1%27',
  'limit=1&limit=2',
  'offset=1&offset=2',
  // Unknown or wrongly cased parameters, and an offset past the bound.
  'userid=x',
  'Limit=5',
  'OFFSET=1',
  'foo=1',
  'offset=100001',
  'limit=5&unknown=',
];

const PLAIN = '{"name":"a"}';
const GZIPPED = zlib.gzipSync(PLAIN);
// Bodies that are not what their headers say: lying Content-Encodings and charsets, non-JSON types.
const LYING_BODIES: Array<[string, Record<string, string>, string | Buffer]> = [
  ['gzip on plain', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, PLAIN],
  ['deflate on plain', { 'content-type': 'application/json', 'content-encoding': 'deflate' }, PLAIN],
  ['br on plain', { 'content-type': 'application/json', 'content-encoding': 'br' }, PLAIN],
  ['truncated gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, GZIPPED.subarray(0, 12)],
  ['gzip twice', { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' }, GZIPPED],
  ['compress', { 'content-type': 'application/json', 'content-encoding': 'compress' }, PLAIN],
  ['charset utf-7', { 'content-type': 'application/json; charset=utf-7' }, PLAIN],
  ['charset utf-16', { 'content-type': 'application/json; charset=utf-16' }, PLAIN],
  ['charset latin1', { 'content-type': 'application/json; charset=latin1' }, PLAIN],
  ['text/plain', { 'content-type': 'text/plain' }, PLAIN],
  ['form', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=a'],
  ['empty content type', { 'content-type': '' }, PLAIN],
  ['lone surrogate', { 'content-type': 'application/json' }, '{"name":"\\ud800"}'],
];

// Requests Node's HTTP parser refuses, written on a raw socket.
const BAD_FRAMING: Array<[string, string]> = [
  ['64 KB URL', `GET /health?${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['bare LF in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\nX-B: 2\r\n\r\n'],
  ['NUL in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
  [
    'Content-Length with chunked',
    'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  ],
  ['two Content-Lengths', 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
  ['not HTTP', 'HELLO\r\n\r\n'],
];

/** Writes raw bytes on a new socket; resolves with the status and body of the answer once the server closes. */
function rawExchange(port: number, payload: string): Promise<{ status: number; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after 10 s: ${text.slice(0, 120)}`));
    }, 10_000);
    socket.on('data', (c) => {
      text += c.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const [head = '', body = ''] = text.split('\r\n\r\n');
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: the check below reports it
      }
      resolve({ status: Number(head.split(' ')[1]), body: parsed, text });
    });
    socket.write(Buffer.from(payload, 'latin1'));
  });
}

function buildSweep(s: Stack, ids: { user: string; event: string }): BadRequest[] {
  const out: BadRequest[] = [];
  const bodies: Array<[string, string, Record<string, unknown>]> = [
    [`${s.users.url}/users`, 'POST', { name: 'Valid Name', email: 'valid@example.com' }],
    [`${s.events.url}/events`, 'POST', { name: 'Valid', startsAt: '2099-01-01T00:00:00Z', totalSeats: 5 }],
    [`${s.events.url}/events/${ids.event}`, 'PATCH', { name: 'Valid', totalSeats: 5 }],
    [`${s.bookings[0].url}/bookings`, 'POST', { userId: ids.user, eventId: ids.event, quantity: 1 }],
  ];
  for (const [url, method, valid] of bodies) {
    for (const raw of MALFORMED_JSON) out.push({ label: `${method} ${url} malformed ${raw}`, method, url, raw });
    // Each field in turn: missing, then every wrong value (a value that is valid for a string field is skipped).
    for (const field of Object.keys(valid)) {
      const { [field]: _dropped, ...missing } = valid;
      if (method !== 'PATCH' && !(url.endsWith('/bookings') && field === 'quantity')) {
        out.push({ label: `${method} ${url} missing ${field}`, method, url, json: missing });
      }
      for (const v of WRONG_VALUES) {
        if (typeof v === 'string' && field === 'name' && v.trim() !== '' && v.length <= 200) continue;
        out.push({
          label: `${method} ${url} ${field}=${JSON.stringify(v).slice(0, 40)}`,
          method,
          url,
          json: { ...valid, [field]: v },
        });
      }
    }
    out.push({ label: `${method} ${url} extra field`, method, url, json: { ...valid, admin: true } });
    out.push({ label: `${method} ${url} body array`, method, url, json: [valid] });
    out.push({ label: `${method} ${url} body string`, method, url, json: 'hello' });
    out.push({ label: `${method} ${url} body number`, method, url, raw: '42' });
    out.push({ label: `${method} ${url} huge`, method, url, json: { ...valid, name: 'x'.repeat(150_000) } });
    out.push({
      label: `${method} ${url} deep`,
      method,
      url,
      raw: `{"nested":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    });
    out.push({
      label: `${method} ${url} deep object`,
      method,
      url,
      raw: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
    });
  }
  const lists = [
    `${s.users.url}/users`,
    `${s.events.url}/events`,
    `${s.bookings[0].url}/bookings`,
    `${s.notifications.url}/notifications`,
  ];
  for (const url of lists)
    for (const q of BAD_QUERIES) out.push({ label: `GET ${url}?${q}`, method: 'GET', url: `${url}?${q}` });
  for (const q of ['userId=abc', 'eventId=1', "userId=1'--"])
    out.push({ label: `bookings ${q}`, method: 'GET', url: `${s.bookings[0].url}/bookings?${q}` });
  for (const q of ['userId=abc', 'bookingId=<x>'])
    out.push({ label: `notifications ${q}`, method: 'GET', url: `${s.notifications.url}/notifications?${q}` });
  const byId = [`${s.users.url}/users`, `${s.events.url}/events`, `${s.bookings[1].url}/bookings`];
  for (const base of byId)
    for (const id of BAD_IDS) out.push({ label: `GET ${base}/${id}`, method: 'GET', url: `${base}/${id}` });
  for (const id of BAD_IDS)
    out.push({ label: `PATCH event ${id}`, method: 'PATCH', url: `${s.events.url}/events/${id}`, json: { name: 'x' } });
  for (const [url, method] of bodies) {
    for (const [what, headers, raw] of LYING_BODIES) {
      out.push({ label: `${method} ${url} ${what}`, method, url, raw, headers });
    }
  }
  for (const [what, headers, raw] of LYING_BODIES) {
    const url = `${s.notifications.url}/notifications`;
    out.push({ label: `GET ${url} with a body, ${what}`, method: 'GET', url, raw, headers });
  }
  for (const svc of [s.users, s.events, s.bookings[0], s.notifications]) {
    for (const method of ['OPTIONS', 'PUT', 'DELETE', 'PATCH']) {
      out.push({ label: `${method} ${svc.url}/health`, method, url: `${svc.url}/health` });
    }
  }
  for (const url of [...lists, `${s.events.url}/events/${ids.event}`, `${s.users.url}/users/${ids.user}`]) {
    out.push({ label: `OPTIONS ${url}`, method: 'OPTIONS', url });
  }
  for (const [url, method] of [
    [`${s.users.url}/users`, 'DELETE'],
    [`${s.events.url}/events`, 'PUT'],
    [`${s.bookings[0].url}/bookings/${randomUUID()}`, 'DELETE'],
    [`${s.notifications.url}/notifications`, 'POST'],
    [`${s.users.url}/admin`, 'GET'],
    [`${s.events.url}/../../etc/passwd`, 'GET'],
  ] as const) {
    out.push({ label: `${method} ${url}`, method, url });
  }
  return out;
}

describe('hostile input', () => {
  test('when 300+ generated bad requests (bodies, encodings, charsets, methods, queries, raw framing) hit every service (as the admin, so validation is reached), then each is a 4xx in the contract shape, none a 5xx, and all stay healthy', async () => {
    const ids = { user: (await createUser(stack)).id, event: await createEvent(stack, 5) };
    const sweep = buildSweep(stack, ids);
    expect(sweep.length).toBeGreaterThanOrEqual(300);

    const results: Array<[BadRequest, HttpResult]> = [];
    for (let i = 0; i < sweep.length; i += 20) {
      const batch = sweep.slice(i, i + 20);
      const answers = await Promise.all(
        batch.map((r) =>
          call(r.method, r.url, { raw: r.raw, json: r.json, headers: { ...stack.adminAuth, ...r.headers } }),
        ),
      );
      for (const [j, r] of batch.entries()) results.push([r, answers[j] as HttpResult]);
    }
    // Raw-socket framing, on every process (the HTTP layer refuses these before any route).
    for (const svc of [stack.users, stack.events, stack.notifications, ...stack.bookings]) {
      for (const [what, payload] of BAD_FRAMING) {
        const res = await rawExchange(svc.port, payload);
        results.push([
          { label: `raw ${what} on ${svc.name}`, method: 'RAW', url: svc.url },
          { status: res.status, headers: {}, body: res.body, text: res.text },
        ]);
      }
    }

    const wrong = results
      .filter(([, res]) => {
        const error = (res.body as { error?: { code?: unknown; message?: unknown } })?.error;
        return (
          res.status < 400 ||
          res.status >= 500 ||
          typeof error?.code !== 'string' ||
          typeof error?.message !== 'string' ||
          (res.status === 405 && !res.headers.allow) ||
          /at .+\.(js|ts):\d+|SELECT |INSERT /.test(res.text)
        );
      })
      .map(([r, res]) => `${r.label} -> ${res.status} ${res.text.slice(0, 120)}`);
    expect(wrong).toEqual([]);

    // Nothing changed: the event still has its seats and no booking was made.
    const event = await get(`${stack.events.url}/events/${ids.event}`);
    expect(event.body).toMatchObject({ totalSeats: 5, availableSeats: 5, name: 'Rush 5' });

    for (const svc of [stack.users, stack.events, stack.notifications, ...stack.bookings]) {
      expect((await get(`${svc.url}/health`)).status).toBe(200);
      expect((await get(`${svc.url}/ready`)).status).toBe(200);
    }
  });
});
