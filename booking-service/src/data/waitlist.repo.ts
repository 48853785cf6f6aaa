import type { Page } from '@ebs/service-kit/http';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

/** waiting -> offered | left; offered -> confirmed | expired | left (docs/api.md "Waitlist"). */
export const WAITLIST_STATUSES = ['waiting', 'offered', 'confirmed', 'expired', 'left'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export type WaitlistEntry = {
  id: string;
  /** The line order (AUTO_INCREMENT): entries of one event join under its row lock, so seq is join order. */
  seq: number;
  eventId: string;
  userId: string;
  quantity: number;
  status: WaitlistStatus;
  /** The hold made for the entry when it was offered. */
  bookingId?: string;
  createdAt: Date;
  updatedAt: Date;
};

/** An entry as the API shows it: with its offer's deadline, and its place while it waits. */
export type WaitlistEntryRead = WaitlistEntry & { expiresAt?: Date; position?: number };

export type WaitlistFilters = { userId?: string; eventId?: string; status?: WaitlistStatus };

type Row = RowDataPacket & {
  seq: number;
  id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  status: WaitlistStatus;
  booking_id: string | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = 'w.seq, w.id, w.event_id, w.user_id, w.quantity, w.status, w.booking_id, w.created_at, w.updated_at';
/** The offer's deadline (its hold's expires_at) and, while waiting, the entry's place among the waiting. */
const READ = `SELECT ${COLUMNS}, b.expires_at,
  CASE WHEN w.status = 'waiting' THEN (SELECT COUNT(*) FROM waitlist_entries a
    WHERE a.event_id = w.event_id AND a.status = 'waiting' AND a.seq <= w.seq) END AS position
  FROM waitlist_entries w LEFT JOIN bookings b ON b.id = w.booking_id`;

const toEntry = (r: Row): WaitlistEntry => ({
  id: r.id,
  seq: Number(r.seq),
  eventId: r.event_id,
  userId: r.user_id,
  quantity: Number(r.quantity),
  status: r.status,
  ...(r.booking_id ? { bookingId: r.booking_id } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRead = (r: Row & { expires_at: Date | null; position: number | null }): WaitlistEntryRead => ({
  ...toEntry(r),
  ...(r.expires_at && r.booking_id ? { expiresAt: r.expires_at } : {}),
  ...(r.position !== null && r.position !== undefined ? { position: Number(r.position) } : {}),
});

export type WaitlistRepo = ReturnType<typeof createWaitlistRepo>;

/**
 * The waitlist_entries table. Functions that take a connection run inside the caller's transaction, which
 * holds the event row lock first (every change to an event's line does); the others run on the pool.
 */
export function createWaitlistRepo(pool: Pool) {
  return {
    async insert(conn: PoolConnection, e: Omit<WaitlistEntry, 'seq' | 'bookingId'>): Promise<void> {
      await conn.execute(
        'INSERT INTO waitlist_entries (id, event_id, user_id, quantity, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [e.id, e.eventId, e.userId, e.quantity, e.status, e.createdAt, e.updatedAt],
      );
    },

    /** The user's active (waiting or offered) entry for the event, locked; at most one exists (uq_waitlist_active). */
    async lockActive(conn: PoolConnection, eventId: string, userId: string): Promise<WaitlistEntry | undefined> {
      const [rows] = await conn.execute<Row[]>(
        `SELECT ${COLUMNS} FROM waitlist_entries w WHERE w.event_id = ? AND w.user_id = ? AND w.active = 1 FOR UPDATE`,
        [eventId, userId],
      );
      return rows[0] && toEntry(rows[0]);
    },

    async lockById(conn: PoolConnection, id: string): Promise<WaitlistEntry | undefined> {
      const [rows] = await conn.execute<Row[]>(`SELECT ${COLUMNS} FROM waitlist_entries w WHERE w.id = ? FOR UPDATE`, [
        id,
      ]);
      return rows[0] && toEntry(rows[0]);
    },

    /** The offered entries whose offer is one of these holds, locked. */
    async lockOffersOf(conn: PoolConnection, bookingIds: string[]): Promise<WaitlistEntry[]> {
      if (bookingIds.length === 0) return [];
      const [rows] = await conn.query<Row[]>(
        `SELECT ${COLUMNS} FROM waitlist_entries w WHERE w.booking_id IN (?) AND w.status = 'offered' FOR UPDATE`,
        [bookingIds],
      );
      return rows.map(toEntry);
    },

    /**
     * The event's line from `afterSeq` on: waiting entries asking at most `maxQuantity` seats, in line order,
     * locked (under the event row lock nobody else changes them; the lock keeps that true for any writer).
     */
    async lockLine(
      conn: PoolConnection,
      eventId: string,
      maxQuantity: number,
      afterSeq: number,
      limit: number,
    ): Promise<WaitlistEntry[]> {
      const [rows] = await conn.query<Row[]>(
        `SELECT ${COLUMNS} FROM waitlist_entries w
        WHERE w.event_id = ? AND w.status = 'waiting' AND w.seq > ? AND w.quantity <= ? ORDER BY w.seq LIMIT ? FOR UPDATE`,
        [eventId, afterSeq, maxQuantity, limit],
      );
      return rows.map(toEntry);
    },

    /** Of these events, the smallest quantity a waiting entry asks for (events with no one waiting are absent). */
    async smallestWaiting(conn: PoolConnection, eventIds: string[]): Promise<Map<string, number>> {
      if (eventIds.length === 0) return new Map();
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT event_id, MIN(quantity) AS q FROM waitlist_entries WHERE event_id IN (?) AND status = 'waiting'
        GROUP BY event_id`,
        [eventIds],
      );
      return new Map(rows.map((r) => [String(r.event_id), Number(r.q)]));
    },

    /**
     * Events, not started, whose free seats could serve someone waiting (seats came back without a transaction
     * of booking-service seeing them: a higher totalSeats). A plain read: the offer re-checks under the lock.
     */
    async servableEvents(limit: number): Promise<string[]> {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT DISTINCT w.event_id FROM waitlist_entries w JOIN events e ON e.id = w.event_id
        WHERE w.status = 'waiting' AND w.quantity <= e.available_seats AND e.starts_at > UTC_TIMESTAMP(3) LIMIT ?`,
        [limit],
      );
      return rows.map((r) => String(r.event_id));
    },

    /** The entries become offered, each with the hold made for it. */
    async markOffered(conn: PoolConnection, offers: Array<{ entryId: string; bookingId: string }>, at: Date) {
      if (offers.length === 0) return;
      await conn.query(
        `UPDATE waitlist_entries SET status = 'offered', updated_at = ?,
        booking_id = CASE id ${offers.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (?) AND status = 'waiting'`,
        [at, ...offers.flatMap((o) => [o.entryId, o.bookingId]), offers.map((o) => o.entryId)],
      );
    },

    /** Moves (locked) entries to `status` (the caller checked the transition). */
    async setStatus(conn: PoolConnection, ids: string[], status: WaitlistStatus, at: Date): Promise<void> {
      if (ids.length === 0) return;
      await conn.query('UPDATE waitlist_entries SET status = ?, updated_at = ? WHERE id IN (?)', [status, at, ids]);
    },

    async findById(id: string): Promise<WaitlistEntryRead | undefined> {
      const [rows] = await pool.execute<(Row & { expires_at: Date | null; position: number | null })[]>(
        `${READ} WHERE w.id = ?`,
        [id],
      );
      return rows[0] && toRead(rows[0]);
    },

    /** Newest first, optionally by user, event and/or status. */
    async list(filters: WaitlistFilters, page: Page): Promise<{ entries: WaitlistEntryRead[]; total: number }> {
      const where: string[] = [];
      const values: string[] = [];
      if (filters.userId) {
        where.push('w.user_id = ?');
        values.push(filters.userId);
      }
      if (filters.eventId) {
        where.push('w.event_id = ?');
        values.push(filters.eventId);
      }
      if (filters.status) {
        where.push('w.status = ?');
        values.push(filters.status);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const [rows] = await pool.query<(Row & { expires_at: Date | null; position: number | null })[]>(
        `${READ} ${clause} ORDER BY w.created_at DESC, w.id DESC LIMIT ? OFFSET ?`,
        [...values, page.limit, page.offset],
      );
      const [count] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS total FROM waitlist_entries w ${clause}`,
        values,
      );
      return { entries: rows.map(toRead), total: Number(count[0]?.total ?? 0) };
    },

    /**
     * Entries waiting now for events that have not started (the waitlist_waiting gauge; the count stops at
     * 1,000,000). Entries of a started event keep their status (nothing more can be offered) but wait for nothing.
     */
    async waitingCount(): Promise<number> {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM waitlist_entries w JOIN events e ON e.id = w.event_id
        WHERE w.status = 'waiting' AND e.starts_at > UTC_TIMESTAMP(3) LIMIT 1000000) waiting`,
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
}
