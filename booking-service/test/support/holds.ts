import http from 'node:http';
import { BOOKINGS_STREAM } from '@ebs/contracts';
import { adminAuth, customerAuth } from '@ebs/service-kit/testing';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { connect, type NatsConnection } from 'nats';
import type { StreamMessage } from './fixtures';

// Helpers of the holds and waitlist suites (docs/api.md "Holds", "Waitlist"): HTTP calls on connections of their own,
// the rows behind the answers, the spec's seat invariant, and the BOOKINGS stream read from a point on.

export type Json = Record<string, unknown> & {
  error?: { code: string; message: string; details?: Array<{ field: string; message?: string }> };
};
export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: Json };

/** One request on a connection of its own (no keep-alive pool: a hundred at once are a hundred clients). */
export function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  auth: Record<string, string> = adminAuth(),
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const all = { ...auth, ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
    const req = http.request(`${url}${path}`, { method, agent: false, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: Json;
        try {
          parsed = JSON.parse(text) as Json;
        } catch {
          parsed = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** POST /bookings with hold: true, as the customer (a customer books for themselves). */
export const hold = (
  url: string,
  userId: string,
  eventId: string,
  quantity = 1,
  headers: Record<string, string> = {},
) => call(url, 'POST', '/bookings', { eventId, quantity, hold: true }, customerAuth(userId), headers);

/** POST /bookings (a confirmed booking), as the customer. */
export const book = (url: string, userId: string, eventId: string, quantity = 1) =>
  call(url, 'POST', '/bookings', { eventId, quantity }, customerAuth(userId));

export const confirm = (url: string, bookingId: string, auth: Record<string, string> = adminAuth()) =>
  call(url, 'POST', `/bookings/${bookingId}/confirm`, undefined, auth);

export const cancel = (url: string, bookingId: string, auth: Record<string, string> = adminAuth()) =>
  call(url, 'POST', `/bookings/${bookingId}/cancel`, undefined, auth);

export const getBooking = (url: string, bookingId: string, auth: Record<string, string> = adminAuth()) =>
  call(url, 'GET', `/bookings/${bookingId}`, undefined, auth);

/** POST /waitlist as the customer. */
export const join = (
  url: string,
  userId: string,
  eventId: string,
  quantity = 1,
  headers: Record<string, string> = {},
) => call(url, 'POST', '/waitlist', { eventId, quantity }, customerAuth(userId), headers);

export const leave = (url: string, entryId: string, auth: Record<string, string> = adminAuth()) =>
  call(url, 'POST', `/waitlist/${entryId}/leave`, undefined, auth);

export const getEntry = (url: string, entryId: string, auth: Record<string, string> = adminAuth()) =>
  call(url, 'GET', `/waitlist/${entryId}`, undefined, auth);

export const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** MySQL's clock (UTC), in ms since the epoch: what decides a hold's expiry. */
export async function mysqlNow(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) AS now');
  return ((rows[0] as RowDataPacket).now as Date).getTime();
}

/** Polls (every `everyMs`) until MySQL's clock is past `at` (an ISO string or ms): never a fixed sleep. */
export async function untilMysqlPast(pool: Pool, at: string | number, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const target = typeof at === 'string' ? Date.parse(at) : at;
  const deadline = Date.now() + timeoutMs;
  while ((await mysqlNow(pool)) <= target) {
    if (Date.now() > deadline) throw new Error(`MySQL's clock did not pass ${new Date(target).toISOString()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export { until } from '@ebs/test-support';

export type BookingRow = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: string;
  expiresAt: Date | null;
  cancelledAt: Date | null;
};

export async function bookingRows(pool: Pool, ids: string[]): Promise<Map<string, BookingRow>> {
  const out = new Map<string, BookingRow>();
  if (ids.length === 0) return out;
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT id, user_id, event_id, quantity, status, expires_at, cancelled_at FROM bookings WHERE id IN (?)',
    [ids],
  );
  for (const r of rows) {
    out.set(String(r.id), {
      id: String(r.id),
      userId: String(r.user_id),
      eventId: String(r.event_id),
      quantity: Number(r.quantity),
      status: String(r.status),
      expiresAt: (r.expires_at as Date | null) ?? null,
      cancelledAt: (r.cancelled_at as Date | null) ?? null,
    });
  }
  return out;
}

export async function bookingRow(pool: Pool, id: string): Promise<BookingRow | undefined> {
  return (await bookingRows(pool, [id])).get(id);
}

/** Every booking of the event (holds, offers, confirmed, ended), oldest first. */
export async function bookingsOfEvent(pool: Pool, eventId: string): Promise<BookingRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT id FROM bookings WHERE event_id = ? ORDER BY created_at', [
    eventId,
  ]);
  const map = await bookingRows(
    pool,
    rows.map((r) => String(r.id)),
  );
  return [...map.values()];
}

export type EntryRow = { id: string; userId: string; quantity: number; status: string; bookingId: string | null };

export async function entryRow(pool: Pool, id: string): Promise<EntryRow | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT id, user_id, quantity, status, booking_id FROM waitlist_entries WHERE id = ?',
    [id],
  );
  const r = rows[0];
  return (
    r && {
      id: String(r.id),
      userId: String(r.user_id),
      quantity: Number(r.quantity),
      status: String(r.status),
      bookingId: r.booking_id === null ? null : String(r.booking_id),
    }
  );
}

/** The event's waitlist entries in line order (seq). */
export async function entriesOf(pool: Pool, eventId: string): Promise<EntryRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT id, user_id, quantity, status, booking_id FROM waitlist_entries WHERE event_id = ? ORDER BY seq',
    [eventId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    userId: String(r.user_id),
    quantity: Number(r.quantity),
    status: String(r.status),
    bookingId: r.booking_id === null ? null : String(r.booking_id),
  }));
}

export type OutboxEntry = { msgId: string; subject: string; payload: Record<string, unknown>; createdAt: Date };

/** Every outbox row of these bookings (any kind: `<bookingId>.<kind>`), in insertion order. */
export async function outboxOfBookings(pool: Pool, bookingIds: string[]): Promise<OutboxEntry[]> {
  if (bookingIds.length === 0) return [];
  const kinds = ['confirmed', 'cancelled', 'expired', 'offered'];
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT msg_id, subject, payload, created_at FROM outbox WHERE msg_id IN (?) ORDER BY id',
    [bookingIds.flatMap((id) => kinds.map((k) => `${id}.${k}`))],
  );
  return rows.map((r) => ({
    msgId: String(r.msg_id),
    subject: String(r.subject),
    payload: JSON.parse(String(r.payload)),
    createdAt: r.created_at as Date,
  }));
}

/** The kinds of message the outbox holds for one booking, e.g. ['offered', 'confirmed'], in insertion order. */
export async function outboxKinds(pool: Pool, bookingId: string): Promise<string[]> {
  return (await outboxOfBookings(pool, [bookingId])).map((m) => m.msgId.slice(bookingId.length + 1));
}

/**
 * One consistent snapshot (one statement) of an event: its counters and the seats its held and confirmed
 * bookings take.
 */
export async function seatLedger(pool: Pool, eventId: string) {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT e.total_seats AS total, e.available_seats AS available,
            (SELECT COALESCE(SUM(b.quantity), 0) FROM bookings b WHERE b.event_id = e.id AND b.status = 'held') AS held,
            (SELECT COALESCE(SUM(b.quantity), 0) FROM bookings b WHERE b.event_id = e.id AND b.status = 'confirmed')
              AS confirmed
       FROM events e WHERE e.id = ?`,
    [eventId],
  );
  const r = rows[0] as RowDataPacket;
  return {
    total: Number(r.total),
    available: Number(r.available),
    held: Number(r.held),
    confirmed: Number(r.confirmed),
  };
}

/**
 * The invariant query (docs/api.md "The seat invariant"), limited to these events: the ids of
 * those where total_seats <> available_seats + seats held + seats confirmed. Empty when it holds.
 */
export async function brokenInvariant(pool: Pool, eventIds: string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT e.id FROM events e LEFT JOIN bookings b ON b.event_id = e.id AND b.status IN ('held','confirmed')
      WHERE e.id IN (?)
      GROUP BY e.id, e.total_seats, e.available_seats
     HAVING e.total_seats <> e.available_seats + COALESCE(SUM(b.quantity), 0)`,
    [eventIds],
  );
  return rows.map((r) => String(r.id));
}

/** Takes the event row lock as bookings do (SELECT ... FOR UPDATE); the caller rolls back and releases. */
export async function lockEventRow(pool: Pool, eventId: string): Promise<PoolConnection> {
  const holder = await pool.getConnection();
  await holder.beginTransaction();
  await holder.query('SELECT id FROM events WHERE id = ? FOR UPDATE', [eventId]);
  return holder;
}

/**
 * A higher totalSeats as event-service's PATCH makes it: under the event row lock, total and available move by
 * the same amount, one transaction.
 */
export async function raiseTotalSeats(pool: Pool, eventId: string, by: number): Promise<void> {
  const conn = await lockEventRow(pool, eventId);
  try {
    await conn.query(
      'UPDATE events SET total_seats = total_seats + ?, available_seats = available_seats + ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?',
      [by, by, eventId],
    );
    await conn.commit();
  } catch (err) {
    await conn.rollback();
    throw err;
  } finally {
    conn.release();
  }
}

/** Marks the event as started (starts_at in the past). */
export async function startEvent(pool: Pool, eventId: string): Promise<void> {
  await pool.query('UPDATE events SET starts_at = ? WHERE id = ?', [new Date(Date.now() - 60_000), eventId]);
}

/** A NATS connection to the run's server for the file (declare it at the top): to read the BOOKINGS stream. */
export function natsPerFile(): { nc: NatsConnection } {
  const holder = {} as { nc: NatsConnection };
  beforeAll(async () => {
    holder.nc = await connect({ servers: process.env.NATS_URL });
  });
  afterAll(async () => {
    await holder.nc?.close();
  });
  return holder;
}

/**
 * The BOOKINGS stream from a point on (the sequence after its last message when opened): other suites of the run
 * publish to the same stream, so a test opens a tail before it acts and looks only at its own bookings' messages.
 */
export class StreamTail {
  readonly messages: StreamMessage[] = [];
  private constructor(
    private readonly nc: NatsConnection,
    private next: number,
  ) {}

  static async open(nc: NatsConnection): Promise<StreamTail> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(BOOKINGS_STREAM).catch(() => undefined);
    return new StreamTail(nc, info ? info.state.last_seq + 1 : 1);
  }

  /** Reads what was added since the last read; returns every message read so far. */
  async read(): Promise<StreamMessage[]> {
    const jsm = await this.nc.jetstreamManager();
    const info = await jsm.streams.info(BOOKINGS_STREAM);
    for (; this.next <= info.state.last_seq; this.next++) {
      const m = await jsm.streams.getMessage(BOOKINGS_STREAM, { seq: this.next }).catch(() => undefined);
      if (!m) continue;
      this.messages.push({ seq: this.next, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), data: m.json() });
    }
    return this.messages;
  }

  /** The messages read so far about these bookings. */
  of(bookingIds: string[] | string): StreamMessage[] {
    const wanted = new Set(Array.isArray(bookingIds) ? bookingIds : [bookingIds]);
    return this.messages.filter((m) => wanted.has(String(m.data.bookingId)));
  }

  /** Reads until `check` holds for what was read (or the deadline passes); returns whether it held. */
  async until(check: (tail: StreamTail) => boolean, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.read();
      if (check(this)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The kinds (confirmed, cancelled, expired, offered) of the stream messages read so far for one booking. */
export const streamKinds = (tail: StreamTail, bookingId: string): string[] =>
  tail.of(bookingId).map((m) => String(m.subject).replace('bookings.', ''));
