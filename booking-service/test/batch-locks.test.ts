import type { PoolConnection } from 'mysql2/promise';
import { KeyTaken } from '../src/domain/idempotency';
import { availableSeats, insertEvent, insertUser } from './support/fixtures';
import { natsPerFile, until } from './support/holds';
import { createTestApp, type TestApp } from './support/test-app';

// A request that waits on a lock the others of its batch do not need fails or waits alone (issue 27 item 4):
// a batch of several events skips an event row another transaction holds (its requests go on in a batch of their
// own), and a keyed request whose Idempotency-Key row another transaction holds fails at once, alone.
natsPerFile();
let a: TestApp;
beforeAll(() => {
  a = createTestApp();
});
afterAll(() => a.close());

/** A transaction of the test's own, open until released. */
async function openTransaction(): Promise<PoolConnection> {
  const conn = await a.pool.getConnection();
  await conn.beginTransaction();
  return conn;
}
const release = async (conn: PoolConnection) => {
  await conn.rollback();
  conn.release();
};

/** Tracks a promise's settlement, so a test can ask "settled yet?" while something else is still held. */
function tracked<T>(p: Promise<T>) {
  const t = { settled: false, value: undefined as T | undefined, error: undefined as unknown, promise: p };
  p.then(
    (v) => {
      t.settled = true;
      t.value = v;
    },
    (e) => {
      t.settled = true;
      t.error = e;
    },
  );
  return t;
}

test('when one event’s row is held by another transaction and its bookings are batched with three other events, then the other three are booked at once and the held event’s wait alone, booked once the row is free', async () => {
  const users = await Promise.all(Array.from({ length: 6 }, () => insertUser(a.pool)));
  const [held, ...others] = await Promise.all([
    insertEvent(a.pool, 5),
    insertEvent(a.pool, 5),
    insertEvent(a.pool, 5),
    insertEvent(a.pool, 5),
  ]);
  const holder = await openTransaction();
  await holder.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [held]);
  try {
    // Submitted in one turn of the event loop: one batch of the four events.
    const heldOnes = [0, 1, 2].map((i) =>
      tracked(a.rush.submit(held as string, { userId: users[i] as string, eventId: held as string, quantity: 1 })),
    );
    const free = others.map((eventId, i) =>
      tracked(a.rush.submit(eventId, { userId: users[3 + i] as string, eventId, quantity: 1 })),
    );
    expect(await until(async () => free.every((t) => t.settled), 3_000, 20)).toBe(true);
    expect(free.map((t) => [t.error, t.value?.status])).toEqual(free.map(() => [undefined, 'confirmed']));
    for (const eventId of others) expect(await availableSeats(a.pool, eventId)).toBe(4);
    expect(heldOnes.some((t) => t.settled)).toBe(false);
    await release(holder);
    await Promise.all(heldOnes.map((t) => t.promise));
    expect(heldOnes.map((t) => t.value?.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    expect(await availableSeats(a.pool, held as string)).toBe(2);
  } finally {
    if (holder.connection) await release(holder).catch(() => {});
  }
});

test('when a keyed request’s Idempotency-Key row is held by another transaction in flight, then it alone fails at once (key in flight) and the three requests batched with it are booked', async () => {
  const [keyUser, ...users] = await Promise.all(Array.from({ length: 4 }, () => insertUser(a.pool)));
  const eventId = await insertEvent(a.pool, 10);
  const other = await insertEvent(a.pool, 10);
  const holder = await openTransaction();
  // Another replica's batch that claimed the key and has not committed yet.
  await holder.query(
    'INSERT INTO idempotency_keys (user_id, idem_key, kind, event_id, quantity, hold, booking_id, created_at) VALUES (?, ?, ?, ?, ?, ?, UUID(), UTC_TIMESTAMP(3))',
    [keyUser, 'k-held', 'booking', eventId, 1, 0],
  );
  try {
    const keyed = tracked(
      a.rush.submit(eventId, {
        userId: keyUser as string,
        eventId,
        quantity: 1,
        idempotency: { key: 'k-held', at: new Date() },
      }),
    );
    const plain = [
      tracked(a.rush.submit(eventId, { userId: users[0] as string, eventId, quantity: 1 })),
      tracked(a.rush.submit(eventId, { userId: users[1] as string, eventId, quantity: 1 })),
      tracked(a.rush.submit(other, { userId: users[2] as string, eventId: other, quantity: 1 })),
    ];
    expect(await until(async () => keyed.settled && plain.every((t) => t.settled), 3_000, 20)).toBe(true);
    expect(keyed.error).toBeInstanceOf(KeyTaken);
    expect(plain.map((t) => [t.error, t.value?.status])).toEqual(plain.map(() => [undefined, 'confirmed']));
    expect(await availableSeats(a.pool, eventId)).toBe(8);
    expect(await availableSeats(a.pool, other)).toBe(9);
  } finally {
    await release(holder);
  }
});
