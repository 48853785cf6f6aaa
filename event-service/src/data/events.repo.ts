import type { Page } from '@ebs/service-kit/http';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

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

/**
 * What changes with every booking, cancel or capacity edit (availableSeats, totalSeats, updatedAt), plus a
 * digest of the fields only a PATCH changes, so a cached copy of those can be checked in the same read.
 */
export type EventState = {
  id: string;
  totalSeats: number;
  availableSeats: number;
  updatedAt: Date;
  detailsHash: string;
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

// MD5 over a JSON array of the PATCH-only fields: JSON keeps NULL apart from '' and field boundaries apart.
// MySQL 8 and MariaDB render the array differently (e.g. the DATETIME's digits), which is harmless: a digest
// is only ever compared with one computed by the same server.
const DETAILS_HASH = 'MD5(JSON_ARRAY(name, description, venue, starts_at))';

type StateRow = RowDataPacket & {
  id: string;
  total_seats: number;
  available_seats: number;
  updated_at: Date;
  details_hash: string;
};

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

    /** The whole row, with the digest of its PATCH-only fields (see EventState). */
    async findById(id: string): Promise<(EventRecord & { detailsHash: string }) | undefined> {
      const [rows] = await pool.execute<Array<EventRow & { details_hash: string }>>(
        `SELECT ${COLUMNS}, ${DETAILS_HASH} AS details_hash FROM events WHERE id = ?`,
        [id],
      );
      return rows[0] && { ...toRecord(rows[0]), detailsHash: rows[0].details_hash };
    },

    /** The current state of each event asked for (primary-key reads in one statement); absent ids are missing. */
    async states(ids: string[]): Promise<Map<string, EventState>> {
      // query(), not execute(): the IN list has a different length each time; a prepared statement per length
      // would only fill the statement cache.
      const [rows] = await pool.query<StateRow[]>(
        `SELECT id, total_seats, available_seats, updated_at, ${DETAILS_HASH} AS details_hash FROM events WHERE id IN (?)`,
        [ids],
      );
      return new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            totalSeats: r.total_seats,
            availableSeats: r.available_seats,
            updatedAt: r.updated_at,
            detailsHash: r.details_hash,
          },
        ]),
      );
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
