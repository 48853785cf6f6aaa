import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Page } from '../lib/pagination';

export type Notification = {
  id: string;
  type: 'booking.confirmed';
  bookingId: string;
  userId: string;
  eventId: string;
  message: string;
  createdAt: Date;
};

export type NotificationFilters = { userId?: string; bookingId?: string };

type Row = RowDataPacket & {
  id: string;
  type: Notification['type'];
  booking_id: string;
  user_id: string;
  event_id: string;
  message: string;
  created_at: Date;
};

const COLUMNS = 'id, type, booking_id, user_id, event_id, message, created_at';

const toNotification = (r: Row): Notification => ({
  id: r.id,
  type: r.type,
  bookingId: r.booking_id,
  userId: r.user_id,
  eventId: r.event_id,
  message: r.message,
  createdAt: r.created_at,
});

export type NotificationsRepo = ReturnType<typeof createNotificationsRepo>;

const SUMMARY_TTL_MS = 30_000;
const SUMMARY_MAX = 10_000;

export function createNotificationsRepo(pool: Pool) {
  // A rush books one event thousands of times: its name and start are read once per 30 s, not per message.
  const summaries = new Map<string, { value: { name: string; startsAt: Date }; at: number }>();
  return {
    /** 'duplicate' when (bookingId, type) is already stored: the unique key makes redelivery harmless. */
    async insert(n: Notification): Promise<'inserted' | 'duplicate'> {
      try {
        await pool.execute(`INSERT INTO notifications (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
          n.id,
          n.type,
          n.bookingId,
          n.userId,
          n.eventId,
          n.message,
          n.createdAt,
        ]);
        return 'inserted';
      } catch (err) {
        if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return 'duplicate';
        throw err;
      }
    },

    /** The event's name and start for a readable message; undefined if the event is not (or no longer) there. */
    async eventSummary(eventId: string): Promise<{ name: string; startsAt: Date } | undefined> {
      const hit = summaries.get(eventId);
      if (hit && Date.now() - hit.at < SUMMARY_TTL_MS) return hit.value;
      const [rows] = await pool.execute<RowDataPacket[]>('SELECT name, starts_at FROM events WHERE id = ?', [eventId]);
      if (!rows[0]) return undefined;
      const value = { name: String(rows[0].name), startsAt: rows[0].starts_at as Date };
      if (summaries.size >= SUMMARY_MAX) summaries.clear();
      summaries.set(eventId, { value, at: Date.now() });
      return value;
    },

    /** Newest first, optionally by user and/or booking (each filter has its index). */
    async list(filters: NotificationFilters, page: Page): Promise<{ notifications: Notification[]; total: number }> {
      const where: string[] = [];
      const values: string[] = [];
      if (filters.userId) {
        where.push('user_id = ?');
        values.push(filters.userId);
      }
      if (filters.bookingId) {
        where.push('booking_id = ?');
        values.push(filters.bookingId);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      // LIMIT/OFFSET go through query() with numbers: execute() sends them as strings, which MySQL 8 rejects.
      const [rows] = await pool.query<Row[]>(
        `SELECT ${COLUMNS} FROM notifications ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        [...values, page.limit, page.offset],
      );
      const [count] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS total FROM notifications ${clause}`,
        values,
      );
      return { notifications: rows.map(toNotification), total: Number(count[0]?.total ?? 0) };
    },
  };
}
