import { createPool } from '@ebs/service-kit/db';
import type { FaultProxy } from '@ebs/test-support';
import type { Pool } from 'mysql2/promise';
import { happened, proxyToMysql } from './support/faults';
import { availableSeats, bookingsOf, insertEvent, insertUser, outboxOf } from './support/fixtures';
import {
  book,
  bookingRow,
  cancel,
  confirm,
  entryRow,
  hold,
  join,
  leave,
  natsPerFile,
  outboxKinds,
  StreamTail,
  streamKinds,
  until,
} from './support/holds';
import { createTestApp, type TestApp, testConfig } from './support/test-app';

// A write whose COMMIT reached MySQL but whose answer never came back (docs/api.md "Ticket rush"): the service
// finds out on another connection what happened and answers that, 201/200 when it committed, 503 only when
// nothing was written. The service talks to MySQL through a fault proxy (test-support) that lets COMMIT through
// and loses its reply, then drops the connection or goes silent.

const TIMEOUT_MS = 3_000;
const nats = natsPerFile();
let proxy: FaultProxy;
let t: TestApp;
let url: string;
/** Straight to MySQL: the rows behind the answers. */
let direct: Pool;

beforeAll(async () => {
  proxy = await proxyToMysql();
  t = createTestApp(
    { MYSQL_HOST: proxy.host, MYSQL_PORT: String(proxy.port), MYSQL_TRANSACTION_TIMEOUT_MS: String(TIMEOUT_MS) },
    { startRelay: true },
  );
  url = await t.listen();
  direct = createPool(testConfig().db);
});
afterEach(() => proxy.heal());
afterAll(async () => {
  await t.close();
  await direct.end();
  await proxy.close();
});

describe('a booking whose COMMIT answer is lost', () => {
  test('when the connection drops after MySQL applied COMMIT, then the booking is answered 201 once, its seats taken once and its message published', async () => {
    const userId = await insertUser(direct);
    const eventId = await insertEvent(direct, 10);
    const tail = await StreamTail.open(nats.nc);
    const fault = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /INSERT INTO bookings/ });
    const res = await book(url, userId, eventId, 2);
    expect(await happened(fault)).toBe('COMMIT');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId, eventId, quantity: 2, status: 'confirmed' });
    const id = String(res.body.id);
    // Answered 201, so nobody books it again: one booking, two seats.
    expect(await bookingsOf(direct, eventId)).toEqual([{ id, quantity: 2 }]);
    expect(await availableSeats(direct, eventId)).toBe(8);
    // Its message was handed to the relay at once, not left for its lease to run out.
    expect(await until(async () => (await outboxOf(direct, [id]))[0]?.publishedAt != null, 3_000)).toBe(true);
    expect(await tail.until((s) => s.of(id).length > 0, 3_000)).toBe(true);
    expect(streamKinds(tail, id)).toEqual(['confirmed']);
  });

  test('when the connection goes silent after MySQL applied COMMIT, then the booking is answered 201 within the deadline', async () => {
    const userId = await insertUser(direct);
    const eventId = await insertEvent(direct, 10);
    const fault = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /INSERT INTO bookings/, after: 'silent' });
    const started = Date.now();
    const res = await book(url, userId, eventId, 3);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3_000);
    expect(await happened(fault)).toBe('COMMIT');
    expect(res.status).toBe(201);
    expect(await bookingsOf(direct, eventId)).toEqual([{ id: String(res.body.id), quantity: 3 }]);
    expect(await availableSeats(direct, eventId)).toBe(7);
    expect(
      await until(async () => (await outboxOf(direct, [String(res.body.id)]))[0]?.publishedAt != null, 3_000),
    ).toBe(true);
  });

  test('when COMMIT never reaches MySQL, then the booking is answered 503 with Retry-After, nothing is booked, and a retry books once', async () => {
    const userId = await insertUser(direct);
    const eventId = await insertEvent(direct, 10);
    const fault = proxy.silenceBefore(/^COMMIT/, { on: /INSERT INTO bookings/ });
    const started = Date.now();
    const res = await book(url, userId, eventId, 2);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3_000);
    expect(await happened(fault)).toBe('COMMIT');
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
    // The session that never committed was killed: its event row lock is gone, nothing of it was written.
    expect(await bookingsOf(direct, eventId)).toEqual([]);
    expect(await availableSeats(direct, eventId)).toBe(10);
    const retry = await book(url, userId, eventId, 2);
    expect(retry.status).toBe(201);
    expect(await bookingsOf(direct, eventId)).toEqual([{ id: String(retry.body.id), quantity: 2 }]);
    expect(await availableSeats(direct, eventId)).toBe(8);
  });
});

describe('a change whose COMMIT answer is lost', () => {
  test('when a cancel loses its answer, then it is answered 200 and the seats come back once', async () => {
    const userId = await insertUser(direct);
    const eventId = await insertEvent(direct, 10);
    const booked = await book(url, userId, eventId, 4);
    expect(booked.status).toBe(201);
    const id = String(booked.body.id);
    const fault = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /INSERT INTO outbox/ });
    const res = await cancel(url, id);
    expect(await happened(fault)).toBe('COMMIT');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'cancelled' });
    expect((await bookingRow(direct, id))?.status).toBe('cancelled');
    expect(await availableSeats(direct, eventId)).toBe(10);
    // Cancelling again gives nothing back twice.
    expect((await cancel(url, id)).status).toBe(200);
    expect(await availableSeats(direct, eventId)).toBe(10);
    expect(await outboxKinds(direct, id)).toEqual(['confirmed', 'cancelled']);
  });

  test('when a confirm loses its answer, then it is answered 200 and the hold is confirmed once', async () => {
    const userId = await insertUser(direct);
    const eventId = await insertEvent(direct, 10);
    const held = await hold(url, userId, eventId, 2);
    expect(held.status).toBe(201);
    const id = String(held.body.id);
    const fault = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /INSERT INTO outbox/ });
    const res = await confirm(url, id);
    expect(await happened(fault)).toBe('COMMIT');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'confirmed' });
    expect((await bookingRow(direct, id))?.status).toBe('confirmed');
    expect(await availableSeats(direct, eventId)).toBe(8);
    expect(await outboxKinds(direct, id)).toEqual(['confirmed']);
  });

  test('when joining and leaving the waitlist lose their answers, then each is answered as it committed', async () => {
    const eventId = await insertEvent(direct, 1);
    const first = await insertUser(direct);
    expect((await book(url, first, eventId, 1)).status).toBe(201);
    const userId = await insertUser(direct);
    const joinFault = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /SELECT id FROM users WHERE id IN/ });
    const joined = await join(url, userId, eventId, 1);
    expect(await happened(joinFault)).toBe('COMMIT');
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ eventId, userId, status: 'waiting', position: 1 });
    const entryId = String(joined.body.id);
    expect((await entryRow(direct, entryId))?.status).toBe('waiting');

    const leaveFault = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /UPDATE waitlist_entries SET status/ });
    const left = await leave(url, entryId);
    expect(await happened(leaveFault)).toBe('COMMIT');
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ id: entryId, status: 'left' });
    expect((await entryRow(direct, entryId))?.status).toBe('left');
  });
});
