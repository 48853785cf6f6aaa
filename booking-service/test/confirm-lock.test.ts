import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { insertEvent, insertUser } from './support/fixtures';
import { bookingRow, confirm, hold, natsPerFile, seatLedger, until } from './support/holds';
import { createTestApp, type TestApp } from './support/test-app';

// A confirm moves no seat: it takes its event's row in share mode (docs/api.md "Holds"), so confirms of one event
// run side by side, while a writer of the event's seats (exclusive lock) still waits for them and they for it.
natsPerFile();
let a: TestApp;
let url: string;
beforeAll(async () => {
  a = createTestApp({}, { startRelay: true });
  url = await a.listen();
});
afterAll(() => a.close());

/** A transaction of the test's own holding the event row in `mode` until released. */
async function holdRow(eventId: string, mode: 'LOCK IN SHARE MODE' | 'FOR UPDATE'): Promise<PoolConnection> {
  const conn = await a.pool.getConnection();
  await conn.beginTransaction();
  await conn.query(`SELECT id FROM events WHERE id = ? ${mode}`, [eventId]);
  return conn;
}

const release = async (conn: PoolConnection) => {
  await conn.rollback();
  conn.release();
};

test('when another transaction holds the event row in share mode (as a confirm does), then a confirm of that event completes beside it', async () => {
  const [userId, eventId] = await Promise.all([insertUser(a.pool), insertEvent(a.pool, 3)]);
  const held = await hold(url, userId, eventId);
  expect(held.status).toBe(201);
  const reader = await holdRow(eventId, 'LOCK IN SHARE MODE');
  try {
    const confirmed = await confirm(url, String(held.body.id));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('confirmed');
  } finally {
    await release(reader);
  }
  expect((await bookingRow(a.pool, String(held.body.id)))?.status).toBe('confirmed');
  expect(await seatLedger(a.pool, eventId)).toEqual({ total: 3, available: 2, held: 0, confirmed: 1 });
});

test('when a writer of the event’s seats holds its row exclusively, then a confirm waits for it and completes once it ends', async () => {
  const [userId, eventId] = await Promise.all([insertUser(a.pool), insertEvent(a.pool, 3)]);
  const held = await hold(url, userId, eventId);
  const writer = await holdRow(eventId, 'FOR UPDATE');
  let answered = false;
  const confirming = confirm(url, String(held.body.id)).finally(() => {
    answered = true;
  });
  try {
    // The confirm's share-mode read of the row is seen waiting (the writer's transaction lasts).
    const waiting = await until(async () => {
      const [rows] = await a.pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%FROM events WHERE id = ? LOCK IN SHARE MODE%'",
      );
      return Number(rows[0]?.n) > 0;
    });
    expect(waiting).toBe(true);
    expect(answered).toBe(false);
    expect((await bookingRow(a.pool, String(held.body.id)))?.status).toBe('held');
  } finally {
    await release(writer);
  }
  expect((await confirming).status).toBe(200);
  expect((await bookingRow(a.pool, String(held.body.id)))?.status).toBe('confirmed');
});
