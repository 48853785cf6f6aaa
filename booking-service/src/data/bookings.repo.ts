import type { Page } from '@ebs/service-kit/http';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

export type Booking = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: 'confirmed' | 'cancelled';
  createdAt: Date;
  /** Set when (and only when) the booking is cancelled. */
  cancelledAt?: Date;
};

export type BookingFilters = { userId?: string; eventId?: string; status?: Booking['status'] };

type BookingRow = RowDataPacket & {
  id: string;
  user_id: string;
  event_id: string;
  quantity: number;
  status: Booking['status'];
  created_at: Date;
  cancelled_at: Date | null;
};

const COLUMNS = 'id, user_id, event_id, quantity, status, created_at';
const READ_COLUMNS = `${COLUMNS}, cancelled_at`;

const toBooking = (r: BookingRow): Booking => ({
  id: r.id,
  userId: r.user_id,
  eventId: r.event_id,
  quantity: r.quantity,
  status: r.status,
  createdAt: r.created_at,
  ...(r.cancelled_at ? { cancelledAt: r.cancelled_at } : {}),
});

export type BookingsRepo = ReturnType<typeof createBookingsRepo>;

/**
 * The bookings table. Functions that take a connection run inside the caller's transaction; the others run
 * on the pool (autocommit).
 */
export function createBookingsRepo(pool: Pool) {
  return {
    /** Reads a booking inside a transaction, locking its row until the transaction ends. */
    async lockById(conn: PoolConnection, id: string): Promise<Booking | undefined> {
      const [rows] = await conn.execute<BookingRow[]>(`SELECT ${READ_COLUMNS} FROM bookings WHERE id = ? FOR UPDATE`, [
        id,
      ]);
      return rows[0] && toBooking(rows[0]);
    },

    /** Marks a (locked, confirmed) booking cancelled; the caller gives its seats back in the same transaction. */
    async markCancelled(conn: PoolConnection, id: string, at: Date): Promise<void> {
      await conn.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'confirmed'",
        [at, id],
      );
    },

    /** One multi-row INSERT for a group's bookings (inside its transaction). */
    async insertMany(conn: PoolConnection, bookings: Booking[]): Promise<void> {
      if (bookings.length === 0) return;
      await conn.query(`INSERT INTO bookings (${COLUMNS}) VALUES ?`, [
        bookings.map((b) => [b.id, b.userId, b.eventId, b.quantity, b.status, b.createdAt]),
      ]);
    },

    async findById(id: string): Promise<Booking | undefined> {
      const [rows] = await pool.execute<BookingRow[]>(`SELECT ${READ_COLUMNS} FROM bookings WHERE id = ?`, [id]);
      return rows[0] && toBooking(rows[0]);
    },

    /** Newest first, optionally by user, event and/or status (indexes: 003 and 008). */
    async list(filters: BookingFilters, page: Page): Promise<{ bookings: Booking[]; total: number }> {
      const where: string[] = [];
      const values: string[] = [];
      if (filters.userId) {
        where.push('user_id = ?');
        values.push(filters.userId);
      }
      if (filters.eventId) {
        where.push('event_id = ?');
        values.push(filters.eventId);
      }
      if (filters.status) {
        where.push('status = ?');
        values.push(filters.status);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      // LIMIT/OFFSET go through query() with numbers: execute() sends them as strings, which MySQL 8 rejects.
      const [rows] = await pool.query<BookingRow[]>(
        `SELECT ${READ_COLUMNS} FROM bookings ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        [...values, page.limit, page.offset],
      );
      const [count] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS total FROM bookings ${clause}`, values);
      return { bookings: rows.map(toBooking), total: Number(count[0]?.total ?? 0) };
    },
  };
}
