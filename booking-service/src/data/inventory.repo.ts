import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { LockedSeats } from '../domain/seat-decisions';

// The rows a booking reads and changes besides its own: the user (exists?) and the event's seat counter.

export type InventoryRepo = ReturnType<typeof createInventoryRepo>;

/** Every function runs inside the booking group's transaction (the caller's connection). */
export function createInventoryRepo() {
  return {
    /** Which of these user ids exist: one query for a whole group of requests. */
    async existingUsers(conn: PoolConnection, userIds: string[]): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const [rows] = await conn.query<RowDataPacket[]>('SELECT id FROM users WHERE id IN (?)', [userIds]);
      return new Set(rows.map((r) => String(r.id)));
    },

    /**
     * Locks the rows of these events (SELECT ... FOR UPDATE) until the transaction ends, in primary-key order
     * (the IN list is scanned in index order; ORDER BY says so), and returns each one's free seats and start;
     * an id missing from the map has no event. Every writer of available_seats takes this lock first.
     * `skipLocked`: rows another transaction holds are left out rather than waited for (FOR UPDATE SKIP LOCKED,
     * MySQL 8.0.1+ and MariaDB 10.6+ alike): missing then means "no event" or "locked" (existingEvents tells).
     */
    async lockEvents(
      conn: PoolConnection,
      eventIds: string[],
      opts: { skipLocked?: boolean } = {},
    ): Promise<Map<string, LockedSeats>> {
      const ids = [...new Set(eventIds)].sort();
      if (ids.length === 0) return new Map();
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT id, available_seats, starts_at FROM events WHERE id IN (?) ORDER BY id FOR UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`,
        [ids],
      );
      return new Map(
        rows.map((r) => [String(r.id), { availableSeats: Number(r.available_seats), startsAt: r.starts_at as Date }]),
      );
    },

    /** Which of these event ids exist (a plain read: it waits for no lock). */
    async existingEvents(conn: PoolConnection, eventIds: string[]): Promise<Set<string>> {
      if (eventIds.length === 0) return new Set();
      const [rows] = await conn.query<RowDataPacket[]>('SELECT id FROM events WHERE id IN (?)', [eventIds]);
      return new Set(rows.map((r) => String(r.id)));
    },

    /**
     * MySQL's clock (UTC_TIMESTAMP), read by a statement of its own once the caller holds its locks: a function in
     * a locking SELECT is fixed when the statement starts, before its lock wait. Holds' expiresAt, "has the event
     * started" and "has this hold expired" are all decided by it.
     */
    async clock(conn: PoolConnection): Promise<Date> {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) AS now');
      return rows[0]?.now as Date;
    },

    /** Takes the seats a batch sold, per event, in one UPDATE (under the row locks taken by lockEvents). */
    async takeSeats(conn: PoolConnection, seatsByEvent: Map<string, number>): Promise<void> {
      if (seatsByEvent.size === 0) return;
      const entries = [...seatsByEvent];
      // The CHECK (available_seats >= 0) would refuse an oversell even if the lock were bypassed.
      await conn.query(
        `UPDATE events SET available_seats = available_seats - CASE id ${entries.map(() => 'WHEN ? THEN ?').join(' ')} END,
         updated_at = ? WHERE id IN (?)`,
        [...entries.flat(), new Date(), entries.map(([id]) => id)],
      );
    },
  };
}
