import type { Page } from '@ebs/service-kit/http';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

export type Booking = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: BookingStatus;
  createdAt: Date;
  /** A hold's deadline (MySQL's clock): set on every booking made as a hold, whatever became of it. */
  expiresAt?: Date;
  /** Set when (and only when) the booking is cancelled. */
  cancelledAt?: Date;
};

/** held -> confirmed | cancelled | expired; confirmed -> cancelled (docs/api.md "Holds"). */
export const BOOKING_STATUSES = ['held', 'confirmed', 'cancelled', 'expired'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** A due hold read under its row lock, with MySQL's clock as the statement that found it due read it. */
export type LockedBooking = { booking: Booking; dbNow: Date };

export type BookingFilters = { userId?: string; eventId?: string; status?: BookingStatus };

type BookingRow = RowDataPacket & {
  id: string;
  user_id: string;
  event_id: string;
  quantity: number;
  status: Booking['status'];
  created_at: Date;
  expires_at: Date | null;
  cancelled_at: Date | null;
};

const COLUMNS = 'id, user_id, event_id, quantity, status, created_at, expires_at';
const READ_COLUMNS = `${COLUMNS}, cancelled_at`;

const toBooking = (r: BookingRow): Booking => ({
  id: r.id,
  userId: r.user_id,
  eventId: r.event_id,
  quantity: r.quantity,
  status: r.status,
  createdAt: r.created_at,
  ...(r.expires_at ? { expiresAt: r.expires_at } : {}),
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

    /**
     * The sweeper's re-check under the event row lock: of these holds, the ones still held whose expiresAt has
     * passed by MySQL's clock, locked; each with that clock (`dbNow`). Under the exclusive event row lock nobody
     * else holds these rows, so the statement waits for nothing and its clock is the clock of the decision.
     */
    async lockDueHolds(conn: PoolConnection, ids: string[]): Promise<LockedBooking[]> {
      if (ids.length === 0) return [];
      const [rows] = await conn.query<(BookingRow & { db_now: Date })[]>(
        `SELECT ${READ_COLUMNS}, UTC_TIMESTAMP(3) AS db_now FROM bookings
        WHERE id IN (?) AND status = 'held' AND expires_at <= UTC_TIMESTAMP(3) ORDER BY id FOR UPDATE`,
        [ids],
      );
      return rows.map((r) => ({ booking: toBooking(r), dbNow: r.db_now }));
    },

    /**
     * Holds whose expiresAt has passed by MySQL's clock, oldest first (ix_bookings_expiry), with their event:
     * a plain read on the pool; the sweeper re-checks each under the locks before it expires it.
     */
    async dueHolds(limit: number): Promise<Array<{ id: string; eventId: string }>> {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT id, event_id FROM bookings WHERE status = 'held' AND expires_at <= UTC_TIMESTAMP(3)
        ORDER BY expires_at LIMIT ?`,
        [limit],
      );
      return rows.map((r) => ({ id: String(r.id), eventId: String(r.event_id) }));
    },

    /** Marks a (locked, held or confirmed) booking cancelled; the caller gives its seats back in the same transaction. */
    async markCancelled(conn: PoolConnection, id: string, at: Date): Promise<void> {
      await conn.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status IN ('held', 'confirmed')",
        [at, id],
      );
    },

    /** Marks a (locked) hold confirmed: its seats stay taken. */
    async markConfirmed(conn: PoolConnection, id: string): Promise<void> {
      await conn.execute("UPDATE bookings SET status = 'confirmed' WHERE id = ? AND status = 'held'", [id]);
    },

    /** Marks (locked) holds expired; the caller gives their seats back in the same transaction. */
    async markExpired(conn: PoolConnection, ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await conn.query("UPDATE bookings SET status = 'expired' WHERE id IN (?) AND status = 'held'", [ids]);
    },

    /** One multi-row INSERT for a group's bookings (inside its transaction). */
    async insertMany(conn: PoolConnection, bookings: Booking[]): Promise<void> {
      if (bookings.length === 0) return;
      await conn.query(`INSERT INTO bookings (${COLUMNS}) VALUES ?`, [
        bookings.map((b) => [b.id, b.userId, b.eventId, b.quantity, b.status, b.createdAt, b.expiresAt ?? null]),
      ]);
    },

    /** How many of these bookings exist (inside a transaction: what has committed, under its locks). */
    async countExisting(conn: PoolConnection, ids: string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const [rows] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM bookings WHERE id IN (?)', [ids]);
      return Number(rows[0]?.n ?? 0);
    },

    async findById(id: string): Promise<Booking | undefined> {
      const [rows] = await pool.execute<BookingRow[]>(`SELECT ${READ_COLUMNS} FROM bookings WHERE id = ?`, [id]);
      return rows[0] && toBooking(rows[0]);
    },

    /** Newest first, optionally by user, event and/or status (indexes: 003, 008 and 014). */
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
