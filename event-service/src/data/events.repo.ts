import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Page } from '../lib/pagination';

export type EventRecord = {
  id: string;
  name: string;
  description: string | null;
  venue: string | null;
  startsAt: Date;
  totalSeats: number;
  availableSeats: number;
  createdAt: Date;
  updatedAt: Date;
};

export type EventChanges = Partial<Pick<EventRecord, 'name' | 'description' | 'venue' | 'startsAt'>>;

type EventRow = RowDataPacket & {
  id: string;
  name: string;
  description: string | null;
  venue: string | null;
  starts_at: Date;
  total_seats: number;
  available_seats: number;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = 'id, name, description, venue, starts_at, total_seats, available_seats, created_at, updated_at';

const toRecord = (r: EventRow): EventRecord => ({
  id: r.id,
  name: r.name,
  description: r.description,
  venue: r.venue,
  startsAt: r.starts_at,
  totalSeats: r.total_seats,
  availableSeats: r.available_seats,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// Column names for the fields a PATCH may change (never taken from input).
const CHANGE_COLUMNS: Record<keyof EventChanges, string> = {
  name: 'name',
  description: 'description',
  venue: 'venue',
  startsAt: 'starts_at',
};

export type EventsRepo = ReturnType<typeof createEventsRepo>;

export function createEventsRepo(pool: Pool) {
  return {
    async insert(e: EventRecord): Promise<void> {
      await pool.execute(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        e.id,
        e.name,
        e.description,
        e.venue,
        e.startsAt,
        e.totalSeats,
        e.availableSeats,
        e.createdAt,
        e.updatedAt,
      ]);
    },

    async findById(id: string): Promise<EventRecord | undefined> {
      const [rows] = await pool.execute<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ?`, [id]);
      return rows[0] && toRecord(rows[0]);
    },

    /** Newest first; ties broken by id so pages never overlap. */
    async list(page: Page): Promise<{ events: EventRecord[]; total: number }> {
      // LIMIT/OFFSET go through query() with numbers: execute() sends them as strings, which MySQL 8 rejects.
      const [rows] = await pool.query<EventRow[]>(
        `SELECT ${COLUMNS} FROM events ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        [page.limit, page.offset],
      );
      const [count] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS total FROM events');
      return { events: rows.map(toRecord), total: Number(count[0]?.total ?? 0) };
    },

    /** Reads the row under an exclusive lock (the same lock bookings take), inside conn's transaction. */
    async lockById(conn: PoolConnection, id: string): Promise<EventRecord | undefined> {
      const [rows] = await conn.execute<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ? FOR UPDATE`, [id]);
      return rows[0] && toRecord(rows[0]);
    },

    /** Applies changes and a seat delta (moving total and available together) to a locked row. */
    async update(
      conn: PoolConnection,
      id: string,
      changes: EventChanges,
      seatDelta: number,
      updatedAt: Date,
    ): Promise<void> {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [key, value] of Object.entries(changes) as Array<[keyof EventChanges, unknown]>) {
        if (value === undefined) continue;
        sets.push(`${CHANGE_COLUMNS[key]} = ?`);
        values.push(value);
      }
      await conn.execute(
        `UPDATE events SET ${[...sets, 'total_seats = total_seats + ?', 'available_seats = available_seats + ?', 'updated_at = ?'].join(', ')} WHERE id = ?`,
        [...values, seatDelta, seatDelta, updatedAt, id] as Array<string | number | Date | null>,
      );
    },
  };
}
