import { randomUUID } from 'node:crypto';
import { createPool } from '@ebs/service-kit/db';
import type { RowDataPacket } from 'mysql2/promise';
import { insertEvent, insertUser } from './support/fixtures';
import { testConfig } from './support/test-app';

// GET /bookings?eventId=&status= counts and lists through an index on (event_id, status, ...), not by reading
// every booking of the event (issue 27 item 8).
const pool = createPool(testConfig().db);
afterAll(() => pool.end());

test('when an event has 300 bookings and 2 of them are cancelled, then listing and counting its cancelled ones reads about 2 rows, not 300', async () => {
  const eventId = await insertEvent(pool, 1000);
  const userId = await insertUser(pool);
  const rows = Array.from({ length: 300 }, (_, i) => [
    randomUUID(),
    userId,
    eventId,
    1,
    i < 2 ? 'cancelled' : 'confirmed',
    new Date(Date.now() - i * 1000),
    i < 2 ? new Date() : null,
  ]);
  await pool.query(
    'INSERT INTO bookings (id, user_id, event_id, quantity, status, created_at, cancelled_at) VALUES ?',
    [rows],
  );
  await pool.query('ANALYZE TABLE bookings');
  const plan = async (sql: string) => {
    const [explained] = await pool.query<RowDataPacket[]>(`EXPLAIN ${sql}`, [eventId, 'cancelled']);
    return explained[0] as { key: string | null; rows: number };
  };
  const count = await plan('SELECT COUNT(*) AS total FROM bookings WHERE event_id = ? AND status = ?');
  const list = await plan(
    'SELECT id FROM bookings WHERE event_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT 20',
  );
  for (const p of [count, list]) {
    expect(p.key).toBe('ix_bookings_event_status');
    expect(Number(p.rows)).toBeLessThanOrEqual(10);
  }
});
