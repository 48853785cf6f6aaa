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
     * `now` is MySQL's clock (UTC_TIMESTAMP) as this statement started, the batch's clock: its bookings'
     * createdAt and its holds' expiresAt count from it (the system clock when no event was found).
     */
    async lockEvents(
      conn: PoolConnection,
      eventIds: string[],
    ): Promise<{ events: Map<string, LockedSeats>; now: Date }> {
      const ids = [...new Set(eventIds)].sort();
      if (ids.length === 0) return { events: new Map(), now: new Date() };
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT id, available_seats, starts_at, UTC_TIMESTAMP(3) AS db_now FROM events WHERE id IN (?) ORDER BY id FOR UPDATE',
        [ids],
      );
      return {
        events: new Map(
          rows.map((r) => [String(r.id), { availableSeats: Number(r.available_seats), startsAt: r.starts_at as Date }]),
        ),
        now: (rows[0]?.db_now as Date | undefined) ?? new Date(),
      };
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
