import type { Page } from '@ebs/service-kit/http';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** Every type a notification can have, one per kind of booking message (DESIGN §3 notification-service). */
export const NOTIFICATION_TYPES = [
  'booking.confirmed',
  'booking.cancelled',
  'booking.expired',
  'waitlist.offered',
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export type Notification = {
  id: string;
  type: NotificationType;
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

export type EventSummary = { name: string; startsAt: Date };

export type NotificationsRepo = ReturnType<typeof createNotificationsRepo>;

export function createNotificationsRepo(pool: Pool) {
  return {
    /**
     * Stores a batch in one multi-row INSERT (one commit). A row whose (bookingId, type) is already stored,
     * or repeated within the batch, changes nothing: the unique key makes redelivery harmless.
     * ON DUPLICATE KEY UPDATE rather than INSERT IGNORE: IGNORE would also turn other errors into warnings.
     */
    async insertMany(rows: Notification[]): Promise<void> {
      if (rows.length === 0) return;
      await pool.query(`INSERT INTO notifications (${COLUMNS}) VALUES ? ON DUPLICATE KEY UPDATE id = id`, [
        rows.map((n) => [n.id, n.type, n.bookingId, n.userId, n.eventId, n.message, n.createdAt]),
      ]);
    },

    /**
     * Each event's name and start for a readable message; events not (or no longer) there are missing. Read for
     * every batch, never cached: a notification made after a PATCH's 200 names the event as changed. One
     * primary-key look-up of the batch's few events (a rush of one event is one row per batch of up to 256).
     */
    async eventSummaries(eventIds: string[]): Promise<Map<string, EventSummary>> {
      const found = new Map<string, EventSummary>();
      if (eventIds.length === 0) return found;
      const [rows] = await pool.query<RowDataPacket[]>('SELECT id, name, starts_at FROM events WHERE id IN (?)', [
        [...new Set(eventIds)],
      ]);
      for (const r of rows) found.set(String(r.id), { name: String(r.name), startsAt: r.starts_at as Date });
      return found;
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
