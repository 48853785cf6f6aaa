import { parseBookingMessage } from '@ebs/contracts';
import { customerAuth } from '@ebs/service-kit/testing';
import { availableSeats, insertEvent, insertUser } from './support/fixtures';
import {
  book,
  bookingRow,
  brokenInvariant,
  call,
  cancel,
  confirm,
  entriesOf,
  getBooking,
  getEntry,
  type Json,
  join,
  leave,
  mysqlNow,
  natsPerFile,
  outboxKinds,
  outboxOfBookings,
  raiseTotalSeats,
  StreamTail,
  seatLedger,
  until,
  untilMysqlPast,
} from './support/holds';
import { createTestApp, type TestApp } from './support/test-app';

// Seats that come back go to the line (docs/api.md "Waitlist"): in line order, the earliest
// waiting entry whose quantity fits gets a hold (an offer) in the same transaction; an entry never loses its
// place to a later one asking the same or more. `a` runs no sweeper (offers last OFFER_TTL_SECONDS=900); the
// tests about an offer expiring or a higher totalSeats make an app with a sweeper of their own.

const OFFER_TTL = 900;
const nats = natsPerFile();
let a: TestApp;
let url: string;
beforeAll(async () => {
  a = createTestApp({ OFFER_TTL_SECONDS: String(OFFER_TTL) }, { startRelay: true });
  url = await a.listen();
});
afterAll(async () => {
  await a.close();
});

/** Joins as each user in turn (the line's order), each asking its quantity; returns the 201 bodies. */
async function line(eventId: string, asks: Array<[string, number]>, at = url): Promise<Json[]> {
  const out: Json[] = [];
  for (const [userId, quantity] of asks) {
    const res = await join(at, userId, eventId, quantity);
    expect(res.status).toBe(201);
    out.push(res.body);
  }
  return out;
}

const entry = async (id: unknown) => (await getEntry(url, String(id))).body;

describe('line order', () => {
  test('when entries asking 2, 1, 1 wait and one seat comes back, then the second is offered a hold of 1 (bookings.offered), the first keeps position 1 and the third has position 2', async () => {
    const [u1, u2, u3, owner] = [
      await insertUser(a.pool),
      await insertUser(a.pool),
      await insertUser(a.pool),
      await insertUser(a.pool),
    ];
    const eventId = await insertEvent(a.pool, 4);
    const one = await book(url, owner, eventId, 1);
    expect((await book(url, owner, eventId, 3)).status).toBe(201);
    const [e1, e2, e3] = (await line(eventId, [
      [u1, 2],
      [u2, 1],
      [u3, 1],
    ])) as [Json, Json, Json];
    expect([e1.position, e2.position, e3.position]).toEqual([1, 2, 3]);
    const tail = await StreamTail.open(nats.nc);

    const before = await mysqlNow(a.pool);
    expect((await cancel(url, String(one.body.id), customerAuth(owner))).status).toBe(200);
    const after = await mysqlNow(a.pool);

    // Offered in the cancel's own transaction: visible at once, no waiting.
    const offered = await entry(e2.id);
    expect(offered).toMatchObject({
      id: e2.id,
      userId: u2,
      quantity: 1,
      status: 'offered',
      bookingId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(offered).not.toHaveProperty('position');
    const expiresAt = Date.parse(String(offered.expiresAt));
    expect(expiresAt).toBeGreaterThanOrEqual(before + OFFER_TTL * 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + OFFER_TTL * 1000);
    expect(await entry(e1.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await entry(e3.id)).toMatchObject({ status: 'waiting', position: 2 });

    // The offer is a hold of the entry's user for its quantity, with the entry's expiresAt.
    const holdId = String(offered.bookingId);
    const held = await getBooking(url, holdId, customerAuth(u2));
    expect(held.body).toEqual({
      id: holdId,
      userId: u2,
      eventId,
      quantity: 1,
      status: 'held',
      createdAt: expect.any(String),
      expiresAt: offered.expiresAt,
    });
    // The seat went to the line, not back on sale.
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 4, available: 0, held: 1, confirmed: 3 });
    expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);

    const payload = {
      bookingId: holdId,
      userId: u2,
      eventId,
      quantity: 1,
      createdAt: held.body.createdAt,
      expiresAt: offered.expiresAt,
      waitlistEntryId: e2.id,
    };
    expect((await outboxOfBookings(a.pool, [holdId])).map((m) => [m.msgId, m.subject, m.payload])).toEqual([
      [`${holdId}.offered`, 'bookings.offered', payload],
    ]);
    expect(await tail.until((t) => t.of(holdId).length >= 1)).toBe(true);
    const [msg] = tail.of(holdId);
    expect([msg?.subject, msg?.msgId]).toEqual(['bookings.offered', `${holdId}.offered`]);
    expect(parseBookingMessage(String(msg?.subject), msg?.data)).toEqual({ kind: 'offered', payload });
  });

  test('when three seats come back to entries asking 4, 2, 1, 2, then the 2 and the 1 are offered in order, the 4 keeps position 1 and the last 2 waits behind it', async () => {
    const users = [
      await insertUser(a.pool),
      await insertUser(a.pool),
      await insertUser(a.pool),
      await insertUser(a.pool),
      await insertUser(a.pool),
    ];
    const eventId = await insertEvent(a.pool, 5);
    const three = await book(url, users[4] as string, eventId, 3);
    expect((await book(url, users[4] as string, eventId, 2)).status).toBe(201);
    const [e4, e2, e1, e2b] = await line(
      eventId,
      [4, 2, 1, 2].map((q, i) => [users[i] as string, q]),
    );
    expect((await cancel(url, String(three.body.id))).status).toBe(200);

    expect((await entriesOf(a.pool, eventId)).map((e) => [e.id, e.status])).toEqual([
      [e4?.id, 'waiting'],
      [e2?.id, 'offered'],
      [e1?.id, 'offered'],
      [e2b?.id, 'waiting'],
    ]);
    expect([(await entry(e4?.id)).position, (await entry(e2b?.id)).position]).toEqual([1, 2]);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 0, held: 3, confirmed: 2 });
  });

  test('when seats come back that no waiting entry fits, then they go back on public sale and joining is 409 SEATS_AVAILABLE for a quantity they serve', async () => {
    const [u1, u2, owner] = [await insertUser(a.pool), await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await insertEvent(a.pool, 3);
    const two = await book(url, owner, eventId, 2);
    expect((await book(url, owner, eventId, 1)).status).toBe(201);
    const [e3] = await line(eventId, [[u1, 3]]);
    expect((await cancel(url, String(two.body.id))).status).toBe(200);

    expect(await entry(e3?.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 3, available: 2, held: 0, confirmed: 1 });
    const res = await join(url, u2, eventId, 2);
    expect([res.status, res.body.error?.code]).toEqual([409, 'SEATS_AVAILABLE']);
    expect((await book(url, u2, eventId, 2)).status).toBe(201);
  });

  test('when seats already on sale and seats coming back together fit a waiting entry, then the entry is offered them all in that transaction', async () => {
    const [u1, owner] = [await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await insertEvent(a.pool, 3);
    const made = [
      await book(url, owner, eventId, 1),
      await book(url, owner, eventId, 1),
      await book(url, owner, eventId, 1),
    ];
    const [waiting] = (await line(eventId, [[u1, 2]])) as [Json];
    // One seat back: the entry (2) does not fit, the seat goes on sale.
    expect((await cancel(url, String(made[0]?.body.id))).status).toBe(200);
    expect(await entry(waiting.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await availableSeats(a.pool, eventId)).toBe(1);
    // One more: with the one on sale, two are free and the entry fits.
    expect((await cancel(url, String(made[1]?.body.id))).status).toBe(200);
    const offered = await entry(waiting.id);
    expect(offered).toMatchObject({ status: 'offered', bookingId: expect.any(String) });
    expect(await bookingRow(a.pool, String(offered.bookingId))).toMatchObject({ status: 'held', quantity: 2 });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 3, available: 0, held: 2, confirmed: 1 });
  });
});

describe('what becomes of an offer', () => {
  /** A sold-out event (1 seat, booked), two users waiting for 1 each; returns the booking and the entries. */
  async function soldOutWithLine() {
    const [u1, u2, owner] = [await insertUser(a.pool), await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await insertEvent(a.pool, 1);
    const booking = await book(url, owner, eventId, 1);
    expect(booking.status).toBe(201);
    const [e1, e2] = (await line(eventId, [
      [u1, 1],
      [u2, 1],
    ])) as [Json, Json];
    return { eventId, u1, u2, owner, booking: booking.body, e1, e2 };
  }

  test('when the offered hold is confirmed, then the entry is confirmed with its booking; leaving it then is 409 CONFLICT', async () => {
    const { eventId, u1, booking, e1, e2 } = await soldOutWithLine();
    expect((await cancel(url, String(booking.id))).status).toBe(200);
    const offer = await entry(e1.id);
    expect(offer.status).toBe('offered');
    const holdId = String(offer.bookingId);

    const res = await confirm(url, holdId, customerAuth(u1));
    expect([res.status, res.body.status, res.body.id]).toEqual([200, 'confirmed', holdId]);
    expect(await entry(e1.id)).toMatchObject({ status: 'confirmed', bookingId: holdId });
    expect(await outboxKinds(a.pool, holdId)).toEqual(['offered', 'confirmed']);
    expect(await entry(e2.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 1, available: 0, held: 0, confirmed: 1 });

    const leaving = await leave(url, String(e1.id), customerAuth(u1));
    expect([leaving.status, leaving.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect((await entry(e1.id)).status).toBe('confirmed');
  });

  test('when an offered entry is left, then its hold is cancelled (seats back once, bookings.cancelled) and the next entry is offered; leaving again is the same 200', async () => {
    const { eventId, u1, u2, booking, e1, e2 } = await soldOutWithLine();
    expect((await cancel(url, String(booking.id))).status).toBe(200);
    const firstHold = String((await entry(e1.id)).bookingId);

    const res = await leave(url, String(e1.id), customerAuth(u1));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: e1.id, status: 'left', bookingId: firstHold });
    expect(await bookingRow(a.pool, firstHold)).toMatchObject({ status: 'cancelled' });
    expect(await outboxKinds(a.pool, firstHold)).toEqual(['offered', 'cancelled']);

    const next = await entry(e2.id);
    expect(next).toMatchObject({ status: 'offered', userId: u2, bookingId: expect.any(String) });
    expect(next.bookingId).not.toBe(firstHold);
    expect(await bookingRow(a.pool, String(next.bookingId))).toMatchObject({ status: 'held', userId: u2, quantity: 1 });
    expect(await outboxKinds(a.pool, String(next.bookingId))).toEqual(['offered']);
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 1, available: 0, held: 1, confirmed: 0 });

    const again = await leave(url, String(e1.id), customerAuth(u1));
    expect(again).toMatchObject({ status: 200, body: res.body });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 1, available: 0, held: 1, confirmed: 0 });
    expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);
  });

  test('when the offered hold is cancelled, then the entry is left and the next entry is offered', async () => {
    const { eventId, u1, booking, e1, e2 } = await soldOutWithLine();
    expect((await cancel(url, String(booking.id))).status).toBe(200);
    const holdId = String((await entry(e1.id)).bookingId);

    const res = await cancel(url, holdId, customerAuth(u1));
    expect([res.status, res.body.status]).toEqual([200, 'cancelled']);
    expect(await entry(e1.id)).toMatchObject({ status: 'left', bookingId: holdId });
    expect(await entry(e2.id)).toMatchObject({ status: 'offered' });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 1, available: 0, held: 1, confirmed: 0 });
  });

  test('when an offered entry is left after its hold passed expiresAt (not swept), then 409 HOLD_EXPIRED: the entry is expired, its hold expired once, and the seat goes to the next in line', async () => {
    // Offers made through this app last 1 s; no app of this test sweeps.
    const quick = createTestApp({ OFFER_TTL_SECONDS: '1' }, { startRelay: true });
    try {
      const quickUrl = await quick.listen();
      const { eventId, u1, booking, e1, e2 } = await soldOutWithLine();
      expect((await cancel(quickUrl, String(booking.id))).status).toBe(200);
      const offer = await entry(e1.id);
      const holdId = String(offer.bookingId);
      await untilMysqlPast(a.pool, String(offer.expiresAt));
      expect((await bookingRow(a.pool, holdId))?.status).toBe('held');

      const res = await leave(url, String(e1.id), customerAuth(u1));
      expect([res.status, res.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
      expect(await entry(e1.id)).toMatchObject({ status: 'expired', bookingId: holdId });
      expect((await bookingRow(a.pool, holdId))?.status).toBe('expired');
      expect(await outboxKinds(a.pool, holdId)).toEqual(['offered', 'expired']);
      expect(await entry(e2.id)).toMatchObject({ status: 'offered', bookingId: expect.any(String) });
      expect(await seatLedger(a.pool, eventId)).toEqual({ total: 1, available: 0, held: 1, confirmed: 0 });
      const again = await leave(url, String(e1.id), customerAuth(u1));
      expect([again.status, again.body.error?.code]).toEqual([409, 'CONFLICT']);
    } finally {
      await quick.close();
    }
  });

  test('when an offer expires, then its entry is expired and the seat goes to the next in line, whose offer in turn expires; the seat ends on sale, each hold released once', async () => {
    const s = createTestApp({ OFFER_TTL_SECONDS: '1', HOLD_SWEEP_MS: '200' }, { startRelay: true, startSweeper: true });
    try {
      const sUrl = await s.listen();
      const { eventId, u1, booking, e1, e2 } = await soldOutWithLine();
      const tail = await StreamTail.open(nats.nc);
      // Cancelled through the app with the 1 s offers: the offer made in its transaction lasts 1 s.
      expect((await cancel(sUrl, String(booking.id))).status).toBe(200);
      const firstOffer = await entry(e1.id);
      expect(firstOffer.status).toBe('offered');
      const firstHold = String(firstOffer.bookingId);

      // The sweeper expires the first offer and offers the seat to e2 (within 5 s of its expiresAt).
      expect(await until(async () => (await entry(e2.id)).bookingId !== undefined, 10_000)).toBe(true);
      const secondHold = String((await entry(e2.id)).bookingId);
      expect(secondHold).not.toBe(firstHold);
      // The second offer was made when the first hold's seat came back: at or after its expiresAt, within 5 s.
      const madeAt = Date.parse(String((await getBooking(url, secondHold)).body.createdAt));
      expect(madeAt).toBeGreaterThanOrEqual(Date.parse(String(firstOffer.expiresAt)));
      expect(madeAt - Date.parse(String(firstOffer.expiresAt))).toBeLessThanOrEqual(5_000);
      expect(await entry(e1.id)).toMatchObject({ status: 'expired', bookingId: firstHold });
      expect((await bookingRow(a.pool, firstHold))?.status).toBe('expired');
      const late = await confirm(url, firstHold, customerAuth(u1));
      expect([late.status, late.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
      const leaving = await leave(url, String(e1.id), customerAuth(u1));
      expect([leaving.status, leaving.body.error?.code]).toEqual([409, 'CONFLICT']);

      // Nobody confirms the second offer either: it expires, nobody waits, the seat is back on sale.
      expect(await until(async () => (await entry(e2.id)).status === 'expired', 10_000)).toBe(true);
      expect((await bookingRow(a.pool, secondHold))?.status).toBe('expired');
      expect(await seatLedger(a.pool, eventId)).toEqual({ total: 1, available: 1, held: 0, confirmed: 0 });
      expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);

      expect(await outboxKinds(a.pool, firstHold)).toEqual(['offered', 'expired']);
      expect(await outboxKinds(a.pool, secondHold)).toEqual(['offered', 'expired']);
      expect(await tail.until((t) => t.of([firstHold, secondHold]).length >= 4)).toBe(true);
      expect(tail.of(secondHold).find((m) => m.subject === 'bookings.offered')?.data.waitlistEntryId).toBe(e2.id);
    } finally {
      await s.close();
    }
  });
});

describe('a higher totalSeats', () => {
  test('when totalSeats is raised (as event-service PATCH does), then the new seats are offered to the line by the sweeper within a few HOLD_SWEEP_MS, in line order by fit', async () => {
    const s = createTestApp({ HOLD_SWEEP_MS: '200' }, { startRelay: true, startSweeper: true });
    try {
      const [u1, u2, owner] = [await insertUser(a.pool), await insertUser(a.pool), await insertUser(a.pool)];
      const eventId = await insertEvent(a.pool, 2);
      expect((await book(url, owner, eventId, 2)).status).toBe(201);
      const [e2, e1] = (await line(eventId, [
        [u1, 2],
        [u2, 1],
      ])) as [Json, Json];

      // One seat more: the first entry (2) does not fit, the second (1) does.
      await raiseTotalSeats(a.pool, eventId, 1);
      expect(await until(async () => (await entry(e1.id)).status === 'offered', 5_000)).toBe(true);
      expect(await entry(e2.id)).toMatchObject({ status: 'waiting', position: 1 });
      expect(await seatLedger(a.pool, eventId)).toEqual({ total: 3, available: 0, held: 1, confirmed: 2 });

      // Two more: now the first fits.
      await raiseTotalSeats(a.pool, eventId, 2);
      expect(await until(async () => (await entry(e2.id)).status === 'offered', 5_000)).toBe(true);
      expect(await bookingRow(a.pool, String((await entry(e2.id)).bookingId))).toMatchObject({
        status: 'held',
        userId: u1,
        quantity: 2,
      });
      expect(await seatLedger(a.pool, eventId)).toEqual({ total: 5, available: 0, held: 3, confirmed: 2 });
      expect(await brokenInvariant(a.pool, [eventId])).toEqual([]);
      expect(await availableSeats(a.pool, eventId)).toBe(0);
    } finally {
      await s.close();
    }
  });

  test('when totalSeats is raised and a booking of the event comes before any sweep, then that booking transaction offers the new seat to the line first and the booking is 409 SOLD_OUT', async () => {
    const [u1, stranger, owner] = [await insertUser(a.pool), await insertUser(a.pool), await insertUser(a.pool)];
    const eventId = await insertEvent(a.pool, 1);
    expect((await book(url, owner, eventId, 1)).status).toBe(201);
    const [waiting] = (await line(eventId, [[u1, 1]])) as [Json];

    await raiseTotalSeats(a.pool, eventId, 1); // no app of this test sweeps
    const res = await book(url, stranger, eventId, 1);
    expect([res.status, res.body.error?.code]).toEqual([409, 'SOLD_OUT']);
    expect(await entry(waiting.id)).toMatchObject({ status: 'offered', bookingId: expect.any(String) });
    expect(await seatLedger(a.pool, eventId)).toEqual({ total: 2, available: 0, held: 1, confirmed: 1 });
  });
});

describe('holds that end give their seats to the line', () => {
  test('when a plain hold expires with the sweeper running, then its seats go to the waiting entries in line order, not back on sale', async () => {
    const s = createTestApp({ HOLD_TTL_SECONDS: '1', HOLD_SWEEP_MS: '200' }, { startRelay: true, startSweeper: true });
    try {
      const sUrl = await s.listen();
      const [holder, u1, u2] = [await insertUser(a.pool), await insertUser(a.pool), await insertUser(a.pool)];
      const eventId = await insertEvent(a.pool, 2);
      const held = await call(sUrl, 'POST', '/bookings', { eventId, quantity: 2, hold: true }, customerAuth(holder));
      expect(held.status).toBe(201);
      const [e1, e2] = (await line(eventId, [
        [u1, 1],
        [u2, 1],
      ])) as [Json, Json];

      expect(
        await until(async () => (await entry(e1.id)).status === 'offered' && (await entry(e2.id)).status === 'offered'),
      ).toBe(true);
      expect((await bookingRow(a.pool, String(held.body.id)))?.status).toBe('expired');
      expect(await outboxKinds(a.pool, String(held.body.id))).toEqual(['expired']);
      expect(await seatLedger(a.pool, eventId)).toEqual({ total: 2, available: 0, held: 2, confirmed: 0 });
    } finally {
      await s.close();
    }
  });

  test('when a hold past its expiresAt is confirmed (not swept), then 409 HOLD_EXPIRED and that transaction offers its seats to the line', async () => {
    const quick = createTestApp({ HOLD_TTL_SECONDS: '1' });
    try {
      const quickUrl = await quick.listen();
      const [holder, u1] = [await insertUser(a.pool), await insertUser(a.pool)];
      const eventId = await insertEvent(a.pool, 2);
      const held = await call(
        quickUrl,
        'POST',
        '/bookings',
        { eventId, quantity: 2, hold: true },
        customerAuth(holder),
      );
      const [waiting] = (await line(eventId, [[u1, 2]])) as [Json];
      await untilMysqlPast(a.pool, String(held.body.expiresAt));

      const res = await confirm(url, String(held.body.id), customerAuth(holder));
      expect([res.status, res.body.error?.code]).toEqual([409, 'HOLD_EXPIRED']);
      expect(await entry(waiting.id)).toMatchObject({ status: 'offered', bookingId: expect.any(String) });
      expect(await seatLedger(a.pool, eventId)).toEqual({ total: 2, available: 0, held: 2, confirmed: 0 });
    } finally {
      await quick.close();
    }
  });
});
