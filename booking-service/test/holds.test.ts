import { randomUUID } from 'node:crypto';
import { parseBookingMessage } from '@ebs/contracts';
import { adminAuth, customerAuth } from '@ebs/service-kit/testing';
import { availableSeats, bookingsOf, insertEvent, insertUser } from './support/fixtures';
import {
  book,
  bookingRow,
  brokenInvariant,
  call,
  cancel,
  confirm,
  getBooking,
  hold,
  ISO_MS_Z,
  type Json,
  mysqlNow,
  natsPerFile,
  outboxKinds,
  outboxOfBookings,
  StreamTail,
  seatLedger,
  startEvent,
  untilMysqlPast,
} from './support/holds';
import { createTestApp, type TestApp } from './support/test-app';

// Holds (docs/api.md "Holds"): POST /bookings with hold: true, its confirm and cancel, and a
// confirm after expiresAt that no sweeper got to yet (no app of this file runs a sweeper: MySQL's clock decides
// inside the confirm's own transaction). Two instances over one database, as two replicas: `a` holds for
// HOLD_TTL_SECONDS=120, `short` for 1 s.

const TTL = 120;
const nats = natsPerFile();
let a: TestApp;
let short: TestApp;
let urlA: string;
let urlShort: string;
beforeAll(async () => {
  a = createTestApp({ HOLD_TTL_SECONDS: String(TTL) }, { startRelay: true });
  short = createTestApp({ HOLD_TTL_SECONDS: '1' }, { startRelay: true });
  [urlA, urlShort] = [await a.listen(), await short.listen()];
});
afterAll(async () => {
  await a.close();
  await short.close();
});

/** The booking view without expiresAt (what a confirmed booking answers). */
const withoutExpiry = ({ expiresAt: _, ...rest }: Json) => rest;

describe('a hold and its confirm', () => {
  test('when a hold is made, then 201 held with expiresAt = MySQL now + HOLD_TTL_SECONDS, the seats are taken and nothing is published', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const before = await mysqlNow(a.pool);
    const res = await hold(urlA, userId, eventId, 2);
    const after = await mysqlNow(a.pool);

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId,
      eventId,
      quantity: 2,
      status: 'held',
      createdAt: expect.stringMatching(ISO_MS_Z),
      expiresAt: expect.stringMatching(ISO_MS_Z),
    });
    const expiresAt = Date.parse(String(res.body.expiresAt));
    expect(expiresAt).toBeGreaterThanOrEqual(before + TTL * 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + TTL * 1000);

    const id = String(res.body.id);
    expect(await bookingRow(a.pool, id)).toMatchObject({ status: 'held', quantity: 2, expiresAt: new Date(expiresAt) });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 3, held: 2, confirmed: 0 });
    expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);
    expect(await outboxKinds(a.pool, id)).toEqual([]);
    expect(await getBooking(urlShort, id, customerAuth(userId))).toMatchObject({ status: 200, body: res.body });
  });

  test('when a hold is confirmed, then 200 confirmed with the same id and no expiresAt, and bookings.confirmed is published now, once; confirming again answers the same 200', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const tail = await StreamTail.open(nats.nc);
    const held = await hold(urlA, userId, eventId, 2);
    expect(held.status).toBe(201);
    const id = String(held.body.id);

    const res = await confirm(urlShort, id, customerAuth(userId));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...withoutExpiry(held.body), status: 'confirmed' });
    expect(await bookingRow(a.pool, id)).toMatchObject({ status: 'confirmed', quantity: 2 });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 3, held: 0, confirmed: 2 });

    const payload = { bookingId: id, userId, eventId, quantity: 2, createdAt: held.body.createdAt };
    expect(await outboxOfBookings(a.pool, [id])).toEqual([
      { msgId: `${id}.confirmed`, subject: 'bookings.confirmed', payload, createdAt: expect.any(Date) },
    ]);
    // The tail was opened before the hold: the confirm's message is the booking's only one in JetStream.
    expect(await tail.until((t) => t.of(id).length >= 1)).toBe(true);
    expect(tail.of(id)).toEqual([
      { seq: expect.any(Number), subject: 'bookings.confirmed', msgId: `${id}.confirmed`, data: payload },
    ]);

    const again = await confirm(urlA, id, customerAuth(userId));
    expect(again).toMatchObject({ status: 200, body: res.body });
    expect(await outboxKinds(a.pool, id)).toEqual(['confirmed']);
    expect(await availableSeats(a.pool, eventId)).toBe(3);
    expect((await getBooking(urlA, id)).body).toEqual(res.body);
  });

  test('when a confirmed booking (never a hold) is confirmed, then the same 200 and nothing new', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 3);
    const made = await book(urlA, userId, eventId, 1);
    expect(made.status).toBe(201);
    const res = await confirm(urlA, String(made.body.id), customerAuth(userId));
    expect(res).toMatchObject({ status: 200, body: made.body });
    expect(await outboxKinds(a.pool, String(made.body.id))).toEqual(['confirmed']);
    expect(await availableSeats(a.pool, eventId)).toBe(2);
  });

  test('when the confirm body is {} or absent, then 200; an unknown body field or query parameter is 400 VALIDATION_FAILED and the hold stays held', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const [h1, h2] = [await hold(urlA, userId, eventId), await hold(urlA, userId, eventId)];
    const auth = customerAuth(userId);

    const field = await call(urlA, 'POST', `/bookings/${h1.body.id}/confirm`, { force: true }, auth);
    expect([field.status, field.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const query = await call(urlA, 'POST', `/bookings/${h1.body.id}/confirm?force=1`, undefined, auth);
    expect([query.status, query.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await bookingRow(a.pool, String(h1.body.id)))?.status).toBe('held');
    expect(await outboxKinds(a.pool, String(h1.body.id))).toEqual([]);

    expect((await call(urlA, 'POST', `/bookings/${h1.body.id}/confirm`, {}, auth)).status).toBe(200);
    expect((await confirm(urlA, String(h2.body.id), auth)).status).toBe(200);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 3, held: 0, confirmed: 2 });
  });

  test('when holds are listed with ?status=held, then only the holds come back (newest first), and ?status=confirmed only the confirmed', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 10);
    const first = await hold(urlA, userId, eventId);
    const made = await book(urlA, userId, eventId);
    const second = await hold(urlA, userId, eventId);

    const held = await call(urlA, 'GET', `/bookings?userId=${userId}&status=held`, undefined, customerAuth(userId));
    expect(held.status).toBe(200);
    expect(held.body.data).toEqual([second.body, first.body]);
    expect(held.body.pagination).toEqual({ limit: 20, offset: 0, total: 2 });
    const confirmed = await call(urlA, 'GET', `/bookings?eventId=${eventId}&status=confirmed`);
    expect((confirmed.body.data as Json[]).map((b) => b.id)).toEqual([made.body.id]);
  });
});

describe('cancelling a hold', () => {
  test('when a hold is cancelled, then 200 cancelled with cancelledAt, its seats come back once with one bookings.cancelled message; a confirm after it is 409 CONFLICT', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 6);
    const other = await book(urlA, await insertUser(a.pool), eventId, 2);
    const tail = await StreamTail.open(nats.nc);
    const held = await hold(urlA, userId, eventId, 3);
    const id = String(held.body.id);
    expect(await availableSeats(a.pool, eventId)).toBe(1);

    const res = await cancel(urlShort, id, customerAuth(userId));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...withoutExpiry(held.body), status: 'cancelled', cancelledAt: expect.any(String) });
    expect(String(res.body.cancelledAt)).toMatch(ISO_MS_Z);
    expect(await bookingRow(a.pool, id)).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(Date) });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 6, available: 4, held: 0, confirmed: 2 });
    const payload = {
      bookingId: id,
      userId,
      eventId,
      quantity: 3,
      createdAt: held.body.createdAt,
      cancelledAt: res.body.cancelledAt,
    };
    expect(await outboxOfBookings(a.pool, [id])).toEqual([
      { msgId: `${id}.cancelled`, subject: 'bookings.cancelled', payload, createdAt: expect.any(Date) },
    ]);
    expect(await tail.until((t) => t.of(id).length >= 1)).toBe(true);
    expect(tail.of(id).map((m) => [m.subject, m.msgId, m.data])).toEqual([
      ['bookings.cancelled', `${id}.cancelled`, payload],
    ]);

    const late = await confirm(urlA, id, customerAuth(userId));
    expect([late.status, late.body.error?.code]).toEqual([409, 'CONFLICT']);
    const twice = await cancel(urlA, id, customerAuth(userId));
    expect(twice).toMatchObject({ status: 200, body: res.body });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 6, available: 4, held: 0, confirmed: 2 });
    expect(await outboxKinds(a.pool, id)).toEqual(['cancelled']);
    expect(other.body.status).toBe('confirmed');
  });

  test('when a confirmed hold is cancelled, then 200 cancelled and its seats come back once (confirmed -> cancelled)', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 4);
    const held = await hold(urlA, userId, eventId, 2);
    const id = String(held.body.id);
    expect((await confirm(urlA, id, customerAuth(userId))).status).toBe(200);
    const res = await cancel(urlShort, id, customerAuth(userId));
    expect([res.status, res.body.status]).toEqual([200, 'cancelled']);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 4, available: 4, held: 0, confirmed: 0 });
    expect(await outboxKinds(a.pool, id)).toEqual(['confirmed', 'cancelled']);
  });
});

describe('a hold past its expiresAt, not swept', () => {
  test('when a hold is confirmed after its expiresAt (no sweeper ran), then 409 HOLD_EXPIRED and that transaction expires it: status expired, seats back once, one bookings.expired', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    await book(urlA, await insertUser(a.pool), eventId, 1);
    const tail = await StreamTail.open(nats.nc);
    const held = await hold(urlShort, userId, eventId, 3);
    expect(held.status).toBe(201);
    const id = String(held.body.id);
    await untilMysqlPast(a.pool, String(held.body.expiresAt));
    // Not swept: still held in MySQL, its seats still taken.
    expect((await bookingRow(a.pool, id))?.status).toBe('held');
    expect(await availableSeats(a.pool, eventId)).toBe(1);

    const res = await confirm(urlA, id, customerAuth(userId));
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe('HOLD_EXPIRED');
    expect(await bookingRow(a.pool, id)).toMatchObject({
      status: 'expired',
      expiresAt: new Date(String(held.body.expiresAt)),
    });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 4, held: 0, confirmed: 1 });
    expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);
    const payload = {
      bookingId: id,
      userId,
      eventId,
      quantity: 3,
      createdAt: held.body.createdAt,
      expiresAt: held.body.expiresAt,
    };
    expect(await outboxOfBookings(a.pool, [id])).toEqual([
      { msgId: `${id}.expired`, subject: 'bookings.expired', payload, createdAt: expect.any(Date) },
    ]);
    expect(await tail.until((t) => t.of(id).length >= 1)).toBe(true);
    const [msg] = tail.of(id);
    expect([msg?.subject, msg?.msgId]).toEqual(['bookings.expired', `${id}.expired`]);
    expect(parseBookingMessage(String(msg?.subject), msg?.data)).toEqual({ kind: 'expired', payload });

    // Expired stays expired: the same 409 again, a cancel is 409 HOLD_EXPIRED too, and no seat comes back twice.
    const again = await confirm(urlShort, id, customerAuth(userId));
    expect([again.status, again.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
    const cancelled = await cancel(urlA, id, customerAuth(userId));
    expect([cancelled.status, cancelled.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 4, held: 0, confirmed: 1 });
    expect(await outboxKinds(a.pool, id)).toEqual(['expired']);
    expect(await getBooking(urlA, id, customerAuth(userId))).toMatchObject({
      status: 200,
      body: { ...held.body, status: 'expired' },
    });
    const listed = await call(urlA, 'GET', `/bookings?eventId=${eventId}&status=expired`);
    expect((listed.body.data as Json[]).map((b) => [b.id, b.status, b.expiresAt])).toEqual([
      [id, 'expired', held.body.expiresAt],
    ]);
  });

  test('when a hold is cancelled after its expiresAt (no sweeper ran), then 409 HOLD_EXPIRED: never cancelled, and its seats are counted once', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 4);
    const held = await hold(urlShort, userId, eventId, 2);
    const id = String(held.body.id);
    await untilMysqlPast(a.pool, String(held.body.expiresAt));

    const res = await cancel(urlA, id, customerAuth(userId));
    expect([res.status, res.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
    const row = await bookingRow(a.pool, id);
    expect(['held', 'expired']).toContain(row?.status);
    expect(await outboxKinds(a.pool, id)).not.toContain('cancelled');
    expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);
    // Either way, a confirm now is 409 HOLD_EXPIRED and leaves the seats back once.
    const late = await confirm(urlA, id, customerAuth(userId));
    expect([late.status, late.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 4, available: 4, held: 0, confirmed: 0 });
    expect(await outboxKinds(a.pool, id)).toEqual(['expired']);
  });
});

describe('Idempotency-Key with holds', () => {
  test('when a hold is retried with its key and the same body, then the original 201 comes back replayed and nothing more is held', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const key = { 'Idempotency-Key': `hold-${randomUUID()}` };
    const first = await hold(urlA, userId, eventId, 2, key);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const again = await hold(urlShort, userId, eventId, 2, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await bookingsOf(a.pool, eventId)).toEqual([{ id: first.body.id, quantity: 2 }]);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 3, held: 2, confirmed: 0 });
  });

  test('when the same key comes with another hold (hold: false, or hold left out), then 422 IDEMPOTENCY_MISMATCH and nothing is booked', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 5);
    const key = { 'Idempotency-Key': `hold-${randomUUID()}` };
    expect((await hold(urlA, userId, eventId, 2, key)).status).toBe(201);
    for (const body of [
      { eventId, quantity: 2, hold: false },
      { eventId, quantity: 2 },
    ]) {
      const res = await call(urlShort, 'POST', '/bookings', body, customerAuth(userId), key);
      expect([res.status, res.body.error?.code]).toEqual([422, 'IDEMPOTENCY_MISMATCH']);
    }
    // And the other way round: a key that made a confirmed booking refuses a hold.
    const plainKey = { 'Idempotency-Key': `plain-${randomUUID()}` };
    const plain = await call(urlA, 'POST', '/bookings', { eventId, quantity: 1 }, customerAuth(userId), plainKey);
    expect(plain.status).toBe(201);
    const refused = await hold(urlA, userId, eventId, 1, plainKey);
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'IDEMPOTENCY_MISMATCH']);
    expect(await bookingsOf(a.pool, eventId)).toHaveLength(2);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 2, held: 2, confirmed: 1 });
  });
});

describe('holds refused', () => {
  test('when a hold asks for more seats than are left, then 409 SOLD_OUT and nothing is held', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 2);
    const res = await hold(urlA, userId, eventId, 3);
    expect([res.status, res.body.error?.code]).toEqual([409, 'SOLD_OUT']);
    expect(await bookingsOf(a.pool, eventId)).toEqual([]);
    expect(await availableSeats(a.pool, eventId)).toBe(2);
  });

  test('when the event has started, then a hold is 409 CONFLICT; an unknown event 404; nothing is held', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 2);
    await startEvent(a.pool, eventId);
    const started = await hold(urlA, userId, eventId);
    expect([started.status, started.body.error?.code]).toEqual([409, 'CONFLICT']);
    const unknown = await hold(urlA, userId, randomUUID());
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    expect(await bookingsOf(a.pool, eventId)).toEqual([]);
    expect(await availableSeats(a.pool, eventId)).toBe(2);
  });

  test.each([
    ['hold is "yes"', { hold: 'yes' }, 'hold'],
    ['hold is 1', { hold: 1 }, 'hold'],
    ['quantity is 0', { hold: true, quantity: 0 }, 'quantity'],
    ['quantity is 11', { hold: true, quantity: 11 }, 'quantity'],
    ['an unknown field comes along', { hold: true, ttl: 5 }, undefined],
  ])('when %s, then 400 VALIDATION_FAILED and nothing is held', async (_what, extra, field) => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 20);
    const res = await call(urlA, 'POST', '/bookings', { eventId, ...extra }, customerAuth(userId));
    expect([res.status, res.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    if (field) expect(res.body.error?.details?.map((d) => d.field)).toContain(field);
    expect(await bookingsOf(a.pool, eventId)).toEqual([]);
    expect(await availableSeats(a.pool, eventId)).toBe(20);
  });

  test('when a customer holds for another user, then 403 and nothing is held', async () => {
    const [me, victim, eventId] = [await insertUser(a.pool), await insertUser(a.pool), await insertEvent(a.pool, 5)];
    const res = await call(urlA, 'POST', '/bookings', { userId: victim, eventId, hold: true }, customerAuth(me));
    expect([res.status, res.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    expect(await bookingsOf(a.pool, eventId)).toEqual([]);
  });
});

describe('confirm: access and ids', () => {
  test('when another customer confirms a hold, then 403 and it stays held with nothing published; no token 401; the owner and an admin may', async () => {
    const [owner, stranger] = [await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await insertEvent(a.pool, 5);
    const [h1, h2] = [await hold(urlA, owner, eventId, 2), await hold(urlA, owner, eventId, 1)];
    const id = String(h1.body.id);

    const denied = await confirm(urlShort, id, customerAuth(stranger));
    expect([denied.status, denied.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const seen = await getBooking(urlA, id, customerAuth(stranger));
    expect([seen.status, seen.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await confirm(urlA, id, {});
    expect([anonymous.status, anonymous.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await bookingRow(a.pool, id))?.status).toBe('held');
    expect(await outboxKinds(a.pool, id)).toEqual([]);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 2, held: 3, confirmed: 0 });

    expect((await confirm(urlA, id, customerAuth(owner))).body.status).toBe('confirmed');
    expect((await confirm(urlA, String(h2.body.id), adminAuth())).body.status).toBe('confirmed');
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 2, held: 0, confirmed: 3 });
  });

  test('when the id is unknown or not a UUID, then confirm is 404 NOT_FOUND', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', '123', `${randomUUID()}x`]) {
      const res = await confirm(urlA, id);
      expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
  });
});

describe('an event that has started', () => {
  test('when the hold of an event that has started is confirmed, then 409 CONFLICT and the hold stays held (it expires on its own)', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 2);
    const held = await hold(urlA, userId, eventId);
    expect(held.status).toBe(201);
    await startEvent(a.pool, eventId);

    const res = await confirm(urlA, String(held.body.id));
    expect([res.status, res.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect((await bookingRow(a.pool, String(held.body.id)))?.status).toBe('held');
    expect(await outboxKinds(a.pool, String(held.body.id))).toEqual([]);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 2, available: 1, held: 1, confirmed: 0 });
  });
});

describe("a confirm's outbox row", () => {
  test('when a hold made 10 minutes ago is confirmed, then its bookings.confirmed row is dated at the confirm (the outbox age gauge reads it) and its payload keeps the hold’s createdAt', async () => {
    const userId = await insertUser(a.pool);
    const eventId = await insertEvent(a.pool, 1);
    const held = await hold(urlA, userId, eventId);
    const id = String(held.body.id);
    await a.pool.query('UPDATE bookings SET created_at = created_at - INTERVAL 10 MINUTE WHERE id = ?', [id]);
    const before = await mysqlNow(a.pool);
    expect((await confirm(urlA, id)).status).toBe(200);

    const [row] = await outboxOfBookings(a.pool, [id]);
    expect(row?.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(Date.parse(String(row?.payload.createdAt))).toBeLessThan(before - 9 * 60_000);
  });
});
