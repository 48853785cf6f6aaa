// node --test scripts/: scripts/check-postman.mjs accepts the collection and names each kind of drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkCollection, loadSpecs } from './check-postman.mjs';

const collection = () =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'postman', 'collection.json'), 'utf8'));
const specs = loadSpecs();

/** Every request of the collection, folders flattened (the same objects, so edits stick). */
const all = (items) => items.flatMap((it) => (it.item ? all(it.item) : [it]));

test('when the collection is as committed, then it agrees with the four OpenAPI documents', () => {
  assert.deepEqual(checkCollection(collection(), specs), []);
});

test('when a request names a path no service has, then the check names it', () => {
  const c = collection();
  const item = all(c.item).find(
    (i) => i.request.method === 'GET' && i.request.url === '{{bookingUrl}}/bookings/{{bookingId}}',
  );
  item.request.url = '{{bookingUrl}}/reservations/{{bookingId}}';
  const problems = checkCollection(c, specs);
  assert.ok(problems.some((p) => p.includes('GET /reservations/{{bookingId}} is not an operation of booking-service')));
});

test('when no request exercises a documented operation, then the check names the operation', () => {
  const c = collection();
  const drop = (items) =>
    items
      .filter((i) => i.item || !String(i.request.url).startsWith('{{notificationUrl}}/notifications'))
      .map((i) => (i.item ? { ...i, item: drop(i.item) } : i));
  c.item = drop(c.item);
  assert.deepEqual(checkCollection(c, specs), ['no Postman request for notification-service GET /notifications']);
});

test('when a request uses an undeclared query parameter or asserts an undocumented status, then the check names both', () => {
  const c = collection();
  const item = all(c.item).find((i) => i.request.url === '{{userUrl}}/users?limit=5&offset=0');
  item.request.url = '{{userUrl}}/users?limit=5&page=2';
  item.event[0].script.exec.push("pm.test('teapot', () => pm.response.to.have.status(418));");
  const problems = checkCollection(c, specs);
  assert.ok(problems.some((p) => p.includes('query parameter "page" is not in the spec of /users')));
  assert.ok(problems.some((p) => p.includes('status 418 is not a documented response of GET /users')));
});
