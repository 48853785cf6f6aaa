import type { PoolConnection, RowDataPacket } from 'mysql2/promise';

// The one event row a cancel, a confirm, an expiry, a waitlist change or an offer locks first, and gives seats
// back to (booking batches lock theirs in inventory.repo).

export type LockedEvent = { id: string; startsAt: Date; availableSeats: number; totalSeats: number };

export type SeatReturnRepo = ReturnType<typeof createSeatReturnRepo>;

/** Every function runs inside the caller's transaction (its connection). */
export function createSeatReturnRepo() {
  return {
    /**
     * Locks the event row (SELECT ... FOR UPDATE), the same lock bookings and capacity edits take first, and
     * returns what a cancel decides on; undefined when there is no such event.
     */
    async lockEvent(conn: PoolConnection, eventId: string): Promise<LockedEvent | undefined> {
      return lockRow(conn, eventId, 'FOR UPDATE');
    },

    /**
     * The event row in share mode (LOCK IN SHARE MODE, alike on MySQL 8 and MariaDB): for a change that moves no
     * seat (a confirm), so that such changes of one event run side by side while every writer of its seats,
     * which takes the exclusive lock, still waits for them (and they for it).
     */
    async shareEvent(conn: PoolConnection, eventId: string): Promise<LockedEvent | undefined> {
      return lockRow(conn, eventId, 'LOCK IN SHARE MODE');
    },

    async giveSeatsBack(conn: PoolConnection, eventId: string, quantity: number, at: Date): Promise<void> {
      // The CHECK (available_seats <= total_seats) refuses a double return even if the lock were bypassed.
      await conn.execute('UPDATE events SET available_seats = available_seats + ?, updated_at = ? WHERE id = ?', [
        quantity,
        at,
        eventId,
      ]);
    },
  };
}

async function lockRow(
  conn: PoolConnection,
  eventId: string,
  mode: 'FOR UPDATE' | 'LOCK IN SHARE MODE',
): Promise<LockedEvent | undefined> {
  const [rows] = await conn.execute<RowDataPacket[]>(
    `SELECT starts_at, available_seats, total_seats FROM events WHERE id = ? ${mode}`,
    [eventId],
  );
  const r = rows[0];
  return (
    r && {
      id: eventId,
      startsAt: r.starts_at as Date,
      availableSeats: Number(r.available_seats),
      totalSeats: Number(r.total_seats),
    }
  );
}
