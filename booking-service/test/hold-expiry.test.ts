import { parseBookingMessage } from '@ebs/contracts';
import { customerAuth } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { insertEvent, insertUser } from './support/fixtures';
import {
  book,
  bookingRows,
  brokenInvariant,
  cancel,
  confirm,
  getBooking,
  hold,
  type Json,
  natsPerFile,
  outboxOfBookings,
  StreamTail,
  seatLedger,
  untilMysqlPast,
} from './support/holds';
import { createTestApp, type TestApp } from './support/test-app';

// Expiry by the sweeper (docs/api.md "Holds"): a hold not confirmed by expiresAt becomes
// expired and its seats come back exactly once, within 5 s of expiresAt, with one bookings.expired message.
// Every app here is made inside its test: a running sweeper works on the whole database.

const nats = natsPerFile();

/**
 * Watches these bookings (one statement per look, every `everyMs`: statuses with MySQL's clock of that look) until
 * none is held or the deadline passes. For each one seen expired: MySQL's clock at the first look that saw it, an
 * upper bound on when its seats came back.
 */
async function watchExpiry(t: TestApp, ids: string[], timeoutMs = 15_000, everyMs = 50) {
  const firstSeenExpired = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [rows] = await t.pool.query<RowDataPacket[]>(
      'SELECT id, status, UTC_TIMESTAMP(3) AS now FROM bookings WHERE id IN (?)',
      [ids],
    );
    let held = 0;
    for (const r of rows) {
      if (r.status === 'held') held++;
      if (r.status === 'expired' && !firstSeenExpired.has(String(r.id))) {
        firstSeenExpired.set(String(r.id), (r.now as Date).getTime());
      }
    }
    if (held === 0 || Date.now() > deadline) return firstSeenExpired;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('the hold sweeper', () => {
  test('when holds pass their expiresAt with the sweeper running, then each becomes expired within 5 s of expiresAt, its seats come back once with one bookings.expired message; a hold confirmed in time stays confirmed', async () => {
    const t = createTestApp({ HOLD_TTL_SECONDS: '1', HOLD_SWEEP_MS: '200' }, { startRelay: true, startSweeper: true });
    try {
      const url = await t.listen();
      const eventId = await insertEvent(t.pool, 10);
      const [u1, u2, u3] = [await insertUser(t.pool), await insertUser(t.pool), await insertUser(t.pool)];
      const tail = await StreamTail.open(nats.nc);
      const made = await book(url, u1, eventId, 2);
      const holds = [await hold(url, u1, eventId, 1), await hold(url, u2, eventId, 3), await hold(url, u3, eventId, 2)];
      expect(holds.map((h) => h.status)).toEqual([201, 201, 201]);
      const [h1, h2, kept] = holds.map((h) => h.body) as [Json, Json, Json];
      expect((await confirm(url, String(kept.id), customerAuth(u3))).status).toBe(200);

      const ids = [String(h1.id), String(h2.id)];
      const seen = await watchExpiry(t, ids);
      for (const h of [h1, h2]) {
        const releasedBy = seen.get(String(h.id));
        expect(releasedBy).toBeDefined();
        // Released at or after expiresAt (never early), and within 5 s of it.
        expect(releasedBy).toBeGreaterThanOrEqual(Date.parse(String(h.expiresAt)));
        expect((releasedBy as number) - Date.parse(String(h.expiresAt))).toBeLessThanOrEqual(5_000);
      }
      const rows = await bookingRows(t.pool, [...ids, String(kept.id), String(made.body.id)]);
      expect([...ids, kept.id, made.body.id].map((id) => rows.get(String(id))?.status)).toEqual([
        'expired',
        'expired',
        'confirmed',
        'confirmed',
      ]);
      expect(await seatLedger(t.pool, eventId)).toEqual({ total: 10, available: 6, held: 0, confirmed: 4 });
      expect(await brokenInvariant(t.pool, [eventId])).toEqual([]);

      // One bookings.expired per expired hold (payload + expiresAt), in the outbox and in JetStream.
      const payloadOf = (h: Json) => ({
        bookingId: h.id,
        userId: h.userId,
        eventId,
        quantity: h.quantity,
        createdAt: h.createdAt,
        expiresAt: h.expiresAt,
      });
      const outbox = await outboxOfBookings(t.pool, [...ids, String(kept.id)]);
      expect(Object.fromEntries(outbox.map((m) => [m.msgId, [m.subject, m.payload]]))).toEqual({
        [`${h1.id}.expired`]: ['bookings.expired', payloadOf(h1)],
        [`${h2.id}.expired`]: ['bookings.expired', payloadOf(h2)],
        [`${kept.id}.confirmed`]: ['bookings.confirmed', expect.objectContaining({ bookingId: kept.id })],
      });
      expect(await tail.until((s) => s.of([...ids, String(kept.id)]).length >= 3)).toBe(true);
      for (const h of [h1, h2]) {
        const msgs = tail.of(String(h.id));
        expect(msgs.map((m) => [m.subject, m.msgId])).toEqual([['bookings.expired', `${h.id}.expired`]]);
        expect(parseBookingMessage(String(msgs[0]?.subject), msgs[0]?.data)).toEqual({
          kind: 'expired',
          payload: payloadOf(h),
        });
      }
      expect(tail.of(String(kept.id)).map((m) => m.subject)).toEqual(['bookings.confirmed']);

      // Expired is final: confirm and cancel are 409 HOLD_EXPIRED and give nothing back again.
      const late = await confirm(url, String(h2.id), customerAuth(u2));
      expect([late.status, late.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
      const gone = await cancel(url, String(h2.id), customerAuth(u2));
      expect([gone.status, gone.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
      expect((await getBooking(url, String(h2.id))).body).toEqual({ ...h2, status: 'expired' });
      expect(await seatLedger(t.pool, eventId)).toEqual({ total: 10, available: 6, held: 0, confirmed: 4 });
    } finally {
      await t.close();
    }
  });

  test('when two sweepers pass over the same expired holds at once, then each hold is expired by exactly one of them and its seats come back once', async () => {
    const p = createTestApp({ HOLD_TTL_SECONDS: '1' });
    const q = createTestApp({ HOLD_TTL_SECONDS: '1' });
    try {
      const url = await p.listen();
      // Holds this worker's earlier suites left past their expiry are swept first: the count below is ours.
      for (let n = 1; n > 0; ) n = await p.sweeper.sweepOnce();

      const events = [await insertEvent(p.pool, 40), await insertEvent(p.pool, 40), await insertEvent(p.pool, 40)];
      const users = await Promise.all(Array.from({ length: 10 }, () => insertUser(p.pool)));
      for (const eventId of events) await book(url, users[0] as string, eventId, 3);
      const made = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          hold(url, users[i % users.length] as string, events[i % 3] as string, 1 + (i % 2)),
        ),
      );
      expect(made.every((r) => r.status === 201)).toBe(true);
      const ids = made.map((r) => String(r.body.id));
      const latest = Math.max(...made.map((r) => Date.parse(String(r.body.expiresAt))));
      await untilMysqlPast(p.pool, latest);

      let expired = 0;
      for (;;) {
        const [x, y] = await Promise.all([p.sweeper.sweepOnce(), q.sweeper.sweepOnce()]);
        expired += x + y;
        if (x === 0 && y === 0) break;
      }
      expect(expired).toBe(60);
      const rows = await bookingRows(p.pool, ids);
      expect([...rows.values()].filter((r) => r.status !== 'expired')).toEqual([]);
      for (const eventId of events) {
        expect(await seatLedger(p.pool, eventId)).toEqual({ total: 40, available: 37, held: 0, confirmed: 3 });
      }
      expect(await brokenInvariant(p.pool, events)).toEqual([]);
      const outbox = await outboxOfBookings(p.pool, ids);
      expect(outbox.map((m) => m.msgId).sort()).toEqual(ids.map((id) => `${id}.expired`).sort());
    } finally {
      await p.close();
      await q.close();
    }
  });
});
