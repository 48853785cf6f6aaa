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
   * Locks the event row (SELECT ... FOR UPDATE) until the transaction ends and returns its free seats, or
   * undefined when there is no such event. Every writer of available_seats takes this lock first.
   */
  async lockAvailableSeats(conn: PoolConnection, eventId: string): Promise<number | undefined> {
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT available_seats FROM events WHERE id = ? FOR UPDATE', [
      eventId,
    ]);
    return rows[0] ? Number(rows[0].available_seats) : undefined;
  },

  /** Takes the seats of a whole group in one UPDATE (under the row lock taken by lockAvailableSeats). */
  async takeSeats(conn: PoolConnection, eventId: string, quantity: number): Promise<void> {
    // The CHECK (available_seats >= 0) would refuse an oversell even if the lock were bypassed.
    await conn.execute('UPDATE events SET available_seats = available_seats - ?, updated_at = ? WHERE id = ?', [
      quantity,
      new Date(),
      eventId,
    ]);
  },
};
