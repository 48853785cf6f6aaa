import type { PoolConnection, RowDataPacket } from 'mysql2/promise';

// The rows a booking reads and changes besides its own: the user (exists?) and the event's seat counter.

export const inventoryRepo = {
  /** Which of these user ids exist: one query for a whole group of requests. */
  async existingUsers(conn: PoolConnection, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const [rows] = await conn.query<RowDataPacket[]>('SELECT id FROM users WHERE id IN (?)', [userIds]);
    return new Set(rows.map((r) => String(r.id)));
  },

  /**
   * Locks the event row (SELECT ... FOR UPDATE) until the transaction ends and returns its free seats and
   * start, or undefined when there is no such event. Every writer of available_seats takes this lock first.
   */
  async lockEvent(
    conn: PoolConnection,
    eventId: string,
  ): Promise<{ availableSeats: number; startsAt: Date } | undefined> {
    const [rows] = await conn.execute<RowDataPacket[]>(
      'SELECT available_seats, starts_at FROM events WHERE id = ? FOR UPDATE',
      [eventId],
    );
    const row = rows[0];
    return row ? { availableSeats: Number(row.available_seats), startsAt: row.starts_at as Date } : undefined;
  },

  /** Takes the seats of a whole group in one UPDATE (under the row lock taken by lockEvent). */
  async takeSeats(conn: PoolConnection, eventId: string, quantity: number): Promise<void> {
    // The CHECK (available_seats >= 0) would refuse an oversell even if the lock were bypassed.
    await conn.execute('UPDATE events SET available_seats = available_seats - ?, updated_at = ? WHERE id = ?', [
      quantity,
      new Date(),
      eventId,
    ]);
  },
};
