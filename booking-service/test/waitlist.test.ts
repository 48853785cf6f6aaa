import { randomUUID } from 'node:crypto';
import { adminAuth, customerAuth } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { availableSeats, insertEvent, insertUser } from './support/fixtures';
import {
  book,
  call,
  entriesOf,
  entryRow,
  getEntry,
  ISO_MS_Z,
  type Json,
  join,
  leave,
  startEvent,
} from './support/holds';
import { createTestApp, type TestApp } from './support/test-app';

// The waitlist's own routes (docs/api.md "Waitlist"): joining only when the event cannot serve
// the quantity, one active entry per user and event, leaving, reading, access and input. How seats that come
// back move down the line is waitlist-line.test.ts. Two instances over one database, as two replicas.

let a: TestApp;
let b: TestApp;
let urls: [string, string];
beforeAll(async () => {
  a = createTestApp();
  b = createTestApp();
  urls = [await a.listen(), await b.listen()];
});
afterAll(async () => {
  await a.close();
  await b.close();
});

/** An event of `seats` seats, all booked by someone else: a waitlist can be joined. */
async function soldOutEvent(seats = 2): Promise<string> {
  const eventId = await insertEvent(a.pool, seats);
  expect((await book(urls[0], await insertUser(a.pool), eventId, seats)).status).toBe(201);
  return eventId;
}

async function waitlistRows(eventId: string): Promise<number> {
  const [rows] = await a.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM waitlist_entries WHERE event_id = ?', [
    eventId,
  ]);
  return Number(rows[0]?.n);
}

describe('joining the waitlist', () => {
  test('when the event can serve the quantity now, then 409 SEATS_AVAILABLE and nothing is written', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const res = await join(urls[0], userId, eventId, 2);
    expect([res.status, res.body.error?.code]).toEqual([409, 'SEATS_AVAILABLE']);
    expect(await waitlistRows(eventId)).toBe(0);
    expect(await availableSeats(a.pool, eventId)).toBe(5);
  });

  test('when the event is sold out, then 201 waiting with position 1, stored; a later entry gets position 2', async () => {
    const [u1, u2] = [await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await soldOutEvent();
    const res = await join(urls[0], u1, eventId, 2);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventId,
      userId: u1,
      quantity: 2,
      status: 'waiting',
      position: 1,
      createdAt: expect.stringMatching(ISO_MS_Z),
    });
    expect(res.body).not.toHaveProperty('bookingId');
    expect(await entryRow(a.pool, String(res.body.id))).toEqual({
      id: res.body.id,
      userId: u1,
      quantity: 2,
      status: 'waiting',
      bookingId: null,
    });
    const second = await join(urls[1], u2, eventId);
    expect([second.status, second.body.position, second.body.quantity]).toEqual([201, 2, 1]);

    const got = await getEntry(urls[1], String(res.body.id), customerAuth(u1));
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ ...res.body, updatedAt: expect.stringMatching(ISO_MS_Z) });
    expect(await availableSeats(a.pool, eventId)).toBe(0);
  });

  test('when fewer seats are left than the quantity asked, then joining is allowed (the event cannot serve it now)', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 3);
    expect((await book(urls[0], await insertUser(a.pool), eventId, 2)).status).toBe(201);
    const res = await join(urls[0], userId, eventId, 2);
    expect([res.status, res.body.status, res.body.position]).toEqual([201, 'waiting', 1]);
    expect(await availableSeats(a.pool, eventId)).toBe(1);
  });

  test('when the user already has an active entry for the event, then 409 CONFLICT and nothing more is written; after leaving, joining again is allowed', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await soldOutEvent();
    const first = await join(urls[0], userId, eventId);
    expect(first.status).toBe(201);
    for (const quantity of [1, 2]) {
      const again = await join(urls[quantity - 1] as string, userId, eventId, quantity);
      expect([again.status, again.body.error?.code]).toEqual([409, 'CONFLICT']);
    }
    expect(await waitlistRows(eventId)).toBe(1);

    expect((await leave(urls[0], String(first.body.id), customerAuth(userId))).status).toBe(200);
    const rejoined = await join(urls[1], userId, eventId);
    expect([rejoined.status, rejoined.body.position]).toEqual([201, 1]);
    expect(rejoined.body.id).not.toBe(first.body.id);
    expect((await entriesOf(a.pool, eventId)).map((e) => e.status)).toEqual(['left', 'waiting']);
  });

  test('when 10 joins of one user for one event race over two instances, then one entry is made and the others are 409 CONFLICT', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await soldOutEvent();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => join(urls[i % 2] as string, userId, eventId)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201).map((r) => [r.status, r.body.error?.code])).toEqual(
      Array(9).fill([409, 'CONFLICT']),
    );
    expect(await waitlistRows(eventId)).toBe(1);
  });

  test('when the event has started, then 409 CONFLICT; an unknown event is 404; nothing is written', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await soldOutEvent();
    await startEvent(a.pool, eventId);
    const started = await join(urls[0], userId, eventId);
    expect([started.status, started.body.error?.code]).toEqual([409, 'CONFLICT']);
    const unknown = await join(urls[0], userId, randomUUID());
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    expect(await waitlistRows(eventId)).toBe(0);
  });

  test('when an admin joins for an unknown user, then 404; for a known one, 201 for that user (quantity 1 when left out); without userId, 400', async () => {
    const eventId = await soldOutEvent();
    const unknown = await call(urls[0], 'POST', '/waitlist', { eventId, userId: randomUUID() }, adminAuth());
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    const userId = await insertUser(a.pool);
    const made = await call(urls[0], 'POST', '/waitlist', { eventId, userId }, adminAuth());
    expect([made.status, made.body.userId, made.body.quantity]).toEqual([201, userId, 1]); // quantity defaults to 1
    const missing = await call(urls[0], 'POST', '/waitlist', { eventId }, adminAuth());
    expect([missing.status, missing.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(missing.body.error?.details?.map((d) => d.field)).toContain('userId');
    expect(await waitlistRows(eventId)).toBe(1);
  });

  test('when a join is retried with its Idempotency-Key, then the original 201 comes back replayed and one entry exists; the key with another quantity is 422', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await soldOutEvent(3);
    const key = { 'Idempotency-Key': `wait-${randomUUID()}` };
    const first = await join(urls[0], userId, eventId, 2, key);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const again = await join(urls[1], userId, eventId, 2, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await join(urls[0], userId, eventId, 3, key);
    expect([other.status, other.body.error?.code]).toEqual([422, 'IDEMPOTENCY_MISMATCH']);
    expect(await waitlistRows(eventId)).toBe(1);
  });

  test('when a key that made a booking is used to join the waitlist, then 422 IDEMPOTENCY_MISMATCH and nothing is written', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 1);
    const key = { 'Idempotency-Key': `shared-${randomUUID()}` };
    const booked = await call(urls[0], 'POST', '/bookings', { eventId, quantity: 1 }, customerAuth(userId), key);
    expect(booked.status).toBe(201); // sold out now
    const res = await join(urls[1], userId, eventId, 1, key);
    expect([res.status, res.body.error?.code]).toEqual([422, 'IDEMPOTENCY_MISMATCH']);
    expect(await waitlistRows(eventId)).toBe(0);
  });
});

describe('leaving and reading', () => {
  test('when a waiting entry is left twice, then both answers are the same 200 left (no position), and the ones behind move up', async () => {
    const [u1, u2] = [await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await soldOutEvent();
    const first = await join(urls[0], u1, eventId);
    const second = await join(urls[0], u2, eventId);
    expect(second.body.position).toBe(2);

    const res = await leave(urls[0], String(first.body.id), customerAuth(u1));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...first.body,
      status: 'left',
      position: undefined,
      updatedAt: expect.stringMatching(ISO_MS_Z),
    });
    expect(res.body).not.toHaveProperty('position');
    const again = await leave(urls[1], String(first.body.id), customerAuth(u1));
    expect(again).toMatchObject({ status: 200, body: res.body });
    expect((await entryRow(a.pool, String(first.body.id)))?.status).toBe('left');
    expect((await getEntry(urls[1], String(second.body.id), customerAuth(u2))).body.position).toBe(1);
    expect(await availableSeats(a.pool, eventId)).toBe(0);
  });

  test('when entries are listed, then a customer sees their own (newest first, paginated), filtered by eventId and status; an admin sees all', async () => {
    const [me, other] = [await insertUser(a.pool), await insertUser(a.pool)];
    const [e1, e2] = [await soldOutEvent(), await soldOutEvent()];
    const mine1 = await join(urls[0], me, e1);
    const mine2 = await join(urls[0], me, e2);
    await join(urls[0], other, e1);
    await leave(urls[0], String(mine1.body.id), customerAuth(me));

    const list = await call(urls[1], 'GET', '/waitlist', undefined, customerAuth(me));
    expect(list.status).toBe(200);
    expect((list.body.data as Json[]).map((e) => e.id)).toEqual([mine2.body.id, mine1.body.id]);
    expect(list.body.pagination).toEqual({ limit: 20, offset: 0, total: 2 });
    const waiting = await call(urls[1], 'GET', '/waitlist?status=waiting', undefined, customerAuth(me));
    expect((waiting.body.data as Json[]).map((e) => [e.id, e.position])).toEqual([[mine2.body.id, 1]]);
    const byEvent = await call(urls[1], 'GET', `/waitlist?eventId=${e1}&limit=1`, undefined, customerAuth(me));
    expect((byEvent.body.data as Json[]).map((e) => [e.id, e.status])).toEqual([[mine1.body.id, 'left']]);
    expect(byEvent.body.pagination).toEqual({ limit: 1, offset: 0, total: 1 });

    const all = await call(urls[0], 'GET', `/waitlist?eventId=${e1}`, undefined, adminAuth());
    expect((all.body.data as Json[]).map((e) => e.userId).sort()).toEqual([me, other].sort());
  });
});

describe('access, bad input and unknown ids', () => {
  test("when a customer reads, leaves or lists another user's entry, then 403 and nothing changes; without a token 401", async () => {
    const [owner, stranger] = [await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await soldOutEvent();
    const entry = await join(urls[0], owner, eventId);
    const id = String(entry.body.id);

    const read = await getEntry(urls[0], id, customerAuth(stranger));
    expect([read.status, read.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const left = await leave(urls[1], id, customerAuth(stranger));
    expect([left.status, left.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const listed = await call(urls[0], 'GET', `/waitlist?userId=${owner}`, undefined, customerAuth(stranger));
    expect([listed.status, listed.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const forOther = await call(urls[0], 'POST', '/waitlist', { eventId, userId: owner }, customerAuth(stranger));
    expect([forOther.status, forOther.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    for (const res of [
      await getEntry(urls[0], id, {}),
      await leave(urls[0], id, {}),
      await call(urls[0], 'GET', '/waitlist', undefined, {}),
      await call(urls[0], 'POST', '/waitlist', { eventId }, {}),
    ]) {
      expect([res.status, res.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
    expect(await entryRow(a.pool, id)).toMatchObject({ status: 'waiting', userId: owner });
    expect(await waitlistRows(eventId)).toBe(1);
    // The owner and an admin may read it.
    expect((await getEntry(urls[0], id, customerAuth(owner))).status).toBe(200);
    expect((await getEntry(urls[0], id, adminAuth())).status).toBe(200);
  });

  test('when an entry id is unknown or not a UUID, then GET and leave are 404 NOT_FOUND', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', '123']) {
      for (const res of [await getEntry(urls[0], id), await leave(urls[1], id)]) {
        expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
      }
    }
  });

  test.each([
    ['quantity is 0', { quantity: 0 }, 'quantity'],
    ['quantity is 11', { quantity: 11 }, 'quantity'],
    ['quantity is "2"', { quantity: '2' }, 'quantity'],
    ['eventId is not a UUID', { eventId: 'nope' }, 'eventId'],
    ['an unknown field comes along', { hold: true }, undefined],
  ])('when joining and %s, then 400 VALIDATION_FAILED and nothing is written', async (_what, extra, field) => {
    const userId = await insertUser(a.pool);
    const eventId = await soldOutEvent();
    const res = await call(urls[0], 'POST', '/waitlist', { eventId, ...extra }, customerAuth(userId));
    expect([res.status, res.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    if (field) expect(res.body.error?.details?.map((d) => d.field)).toContain(field);
    expect(await waitlistRows(eventId)).toBe(0);
  });

  test('when the list gets an unknown query parameter or a bad status or limit, or leave gets a body field or query parameter, then 400 VALIDATION_FAILED and nothing changes', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await soldOutEvent();
    const entry = await join(urls[0], userId, eventId);
    const auth = customerAuth(userId);
    for (const query of ['?sort=asc', '?status=pending', '?limit=0', '?limit=101', '?offset=-1']) {
      const res = await call(urls[0], 'GET', `/waitlist${query}`, undefined, auth);
      expect([query, res.status, res.body.error?.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
    const body = await call(urls[0], 'POST', `/waitlist/${entry.body.id}/leave`, { reason: 'x' }, auth);
    expect([body.status, body.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const query = await call(urls[0], 'POST', `/waitlist/${entry.body.id}/leave?now=1`, undefined, auth);
    expect([query.status, query.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await entryRow(a.pool, String(entry.body.id)))?.status).toBe('waiting');
  });
});

describe('leaving once the event has started', () => {
  test('when an offered entry leaves after its event started, then 409 CONFLICT and its offer stays (it expires on its own); a waiting entry may still leave', async () => {
    const eventId = await insertEvent(a.pool, 1);
    const booked = await book(urls[0], await insertUser(a.pool), eventId, 1);
    const [offeredUser, waitingUser] = [await insertUser(a.pool), await insertUser(a.pool)];
    const offered = await join(urls[0], offeredUser, eventId);
    const waiting = await join(urls[0], waitingUser, eventId);
    expect([offered.status, waiting.status]).toEqual([201, 201]);
    expect((await call(urls[0], 'POST', `/bookings/${booked.body.id}/cancel`, {})).status).toBe(200);
    expect((await entryRow(a.pool, String(offered.body.id)))?.status).toBe('offered');
    await startEvent(a.pool, eventId);

    const refused = await leave(urls[0], String(offered.body.id));
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect((await entryRow(a.pool, String(offered.body.id)))?.status).toBe('offered');
    expect(await availableSeats(a.pool, eventId)).toBe(0);
    const left = await leave(urls[0], String(waiting.body.id));
    expect([left.status, left.body.status]).toEqual([200, 'left']);
  });
});
