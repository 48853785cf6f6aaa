// node --test scripts/: the docs agree with the code (scripts/check-docs.mjs), and each check names a broken copy.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  checkConfigurationDoc,
  checkErrorTable,
  checkLinks,
  checkOpenApiExamples,
  checkReadme,
  envVarsOfCode,
  errorStatusOfCode,
  loadSpecs,
} from './check-docs.mjs';

const root = path.resolve(import.meta.dirname, '..');
const read = (f) => readFileSync(path.join(root, f), 'utf8');
const apiMd = read('docs/api.md');
const configMd = read('docs/configuration.md');
const specs = loadSpecs();
const clone = (o) => structuredClone(o);

test("when docs/api.md's error table is as committed, then it lists every code of ERROR_STATUS with its status", () => {
  assert.deepEqual(checkErrorTable(apiMd), []);
  assert.equal(Object.keys(errorStatusOfCode()).length, 19, 'ERROR_STATUS parsed');
});

test('when the table lacks a code, gives another status or lists an unknown one, then the check names it', () => {
  const without405 = apiMd.replace(/^\| `METHOD_NOT_ALLOWED`.*\n/m, '');
  assert.deepEqual(checkErrorTable(without405), ["docs/api.md's error table lacks METHOD_NOT_ALLOWED (405)"]);
  const wrong = apiMd.replace(/^(\| `IDEMPOTENCY_MISMATCH`\s*\|) 422 /m, '$1 409 ');
  assert.deepEqual(checkErrorTable(wrong), ['docs/api.md says IDEMPOTENCY_MISMATCH is 409, the code answers 422']);
  const extra = apiMd.replace(/^(\| `INTERNAL`.*\n)/m, '$1| `TEAPOT` | 418 | never |\n');
  assert.deepEqual(checkErrorTable(extra), ['docs/api.md lists TEAPOT, which ERROR_STATUS does not have']);
});

test('when a new code is added to ERROR_STATUS, then the table must follow', () => {
  const source = read('packages/service-kit/src/errors/app-error.ts').replace(
    '  INTERNAL: 500,',
    '  INTERNAL: 500,\n  GONE: 410,',
  );
  assert.deepEqual(checkErrorTable(apiMd, source), ["docs/api.md's error table lacks GONE (410)"]);
});

test('when docs/configuration.md is as committed, then it names every variable the code reads, and no other', () => {
  const vars = envVarsOfCode();
  for (const v of ['MYSQL_HOST', 'JWT_PRIVATE_KEY', 'BOOKING_MAX_WAIT_MS', 'NATS_URL', 'MIGRATE_LOCK_TIMEOUT'])
    assert.ok(vars.has(v), `${v} is found in the code`);
  assert.deepEqual(checkConfigurationDoc(configMd, vars), []);
});

test('when a config.ts reads a variable the doc does not name, or the table names one nothing reads, then the check names it', () => {
  const vars = envVarsOfCode(['booking-service/src/config.ts'], (f) =>
    read(f).replace('  OUTBOX_POLL_MS:', '  OUTBOX_FLUSH_MS: z.coerce.number().default(1),\n  OUTBOX_POLL_MS:'),
  );
  const problems = checkConfigurationDoc(configMd, new Map([...envVarsOfCode(), ...vars]));
  assert.deepEqual(problems, [
    'docs/configuration.md does not mention `OUTBOX_FLUSH_MS` (read by booking-service/src/config.ts)',
  ]);
  const stale = configMd.replace(/^(\| `OUTBOX_POLL_MS`)/m, '| `OUTBOX_SPEED` |\n$1');
  assert.deepEqual(checkConfigurationDoc(stale), ['docs/configuration.md lists `OUTBOX_SPEED`, which no config reads']);
});

test('when the OpenAPI documents are as built, then every example fits its schema and the access rules', () => {
  assert.deepEqual(checkOpenApiExamples(specs), []);
  const body = specs['booking-service'].paths['/bookings'].post.requestBody.content['application/json'];
  assert.deepEqual(body.schema.example ?? body.example, {
    eventId: '9b2e4c6d-1f3a-4b5c-8d7e-0a1b2c3d4e5f',
    quantity: 1,
  });
});

test('when the POST /bookings example sends a userId, then the check fails it (a customer gets 403)', () => {
  const s = clone(specs);
  const media = s['booking-service'].paths['/bookings'].post.requestBody.content['application/json'];
  media.schema.example = { ...media.schema.example, userId: '6c1f2b7e-9a4d-4e3b-8f0a-1d2c3b4a5e6f' };
  assert.deepEqual(checkOpenApiExamples({ 'booking-service': s['booking-service'] }), [
    'booking-service: POST /bookings: the request example sends a userId, which a customer gets 403 for',
  ]);
  delete media.schema.example;
  assert.deepEqual(checkOpenApiExamples({ 'booking-service': s['booking-service'] }), [
    'booking-service: POST /bookings: the body takes a userId but has no example (Swagger UI would send one: 403)',
  ]);
});

test('when an example does not fit its schema, then the check names where and why', () => {
  const s = clone(specs);
  const media = s['event-service'].paths['/events'].post.requestBody.content['application/json'];
  media.schema.example = { ...media.schema.example, totalSeats: 0 };
  const problems = checkOpenApiExamples({ 'event-service': s['event-service'] });
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /event-service: the example at \/paths\/~1events\/post\/.* fails its schema: \/totalSeats must be >= 1/,
  );
});

test('when a new booking (201) is shown with cancelledAt, then the check fails it', () => {
  const s = clone(specs);
  const booking = s['booking-service'].components.schemas.Booking;
  booking.example = { ...booking.example, status: 'cancelled', cancelledAt: '2099-05-01T10:00:00.000Z' };
  assert.deepEqual(checkOpenApiExamples({ 'booking-service': s['booking-service'] }), [
    'booking-service: POST /bookings: the 201 example of a new booking has cancelledAt',
  ]);
});

test('when README.md and docs/*.md are as committed, then every relative link names a file and heading that exist', () => {
  assert.deepEqual(checkLinks(), []);
});

test('when a link names a moved file or a heading that is gone, then the check names it', () => {
  const dir = mkdtempSync(path.join(root, 'docs', '.link-test-'));
  try {
    const rel = path.relative(root, dir);
    writeFileSync(
      path.join(dir, 'x.md'),
      '# X\n\n[a](../gone.md) [b](../deploy.md#no-such-heading) [c](../deploy.md#run-on-minikube)\n',
    );
    assert.deepEqual(checkLinks([`${rel}/x.md`]), [
      `${rel}/x.md: the link ../gone.md names docs/gone.md, which does not exist`,
      `${rel}/x.md: the link ../deploy.md#no-such-heading: docs/deploy.md has no heading #no-such-heading`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when README.md is as committed, then it is at most 250 lines with the quick start; longer, the check says so', () => {
  const readme = read('README.md');
  assert.deepEqual(checkReadme(readme), []);
  const long = readme + '\nmore\n'.repeat(250);
  assert.match(checkReadme(long)[0], /^README\.md has \d+ lines \(at most 250\)/);
  assert.deepEqual(checkReadme(readme.replace(/^npm test\b/m, 'npm run test')), [
    "README.md's quick start lacks `npm test`",
  ]);
});
