import type { PoolConnection, RowDataPacket } from 'mysql2/promise';

// The rows a booking reads and changes besides its own: the user (exists?) and the event's seat counter.

export const inventoryRepo = {
  async userExists(conn: PoolConnection, userId: string): Promise<boolean> {
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT 1 FROM users WHERE id = ?', [userId]);
    return rows.length > 0;
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

  async takeSeats(conn: PoolConnection, eventId: string, quantity: number): Promise<void> {
    // The CHECK (available_seats >= 0) would refuse an oversell even if the lock were bypassed.
    await conn.execute('UPDATE events SET available_seats = available_seats - ?, updated_at = ? WHERE id = ?', [
      quantity,
      new Date(),
      eventId,
    ]);
  },
};
