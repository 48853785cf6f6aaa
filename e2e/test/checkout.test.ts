import type { RowDataPacket } from 'mysql2/promise';
import { get, type HttpResult, post } from './support/http';
import { type Customer, createEvent, createUser, seatsOf } from './support/scenario';
import { type Stack, startStack } from './support/stack';

// docs/api.md "Holds" and "Waitlist" across the real processes: a hold confirmed on the other replica, a
// sold-out event whose cancelled seat is offered to the first in line, and holds and offers that run out.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type Booking = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: string;
  createdAt: string;
  expiresAt?: string;
};
type Entry = {
  id: string;
  eventId: string;
  userId: string;
  quantity: number;
  status: string;
  position?: number;
  bookingId?: string;
  expiresAt?: string;
};

const bookingsUrl = (i: number) => `${stack.bookings[i % 2]?.url}/bookings`;
const waitlistUrl = (i: number) => `${stack.bookings[i % 2]?.url}/waitlist`;
const codeOf = (r: HttpResult) => (r.body as { error?: { code?: string } }).error?.code;

const waitFor = async (check: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
};

/** The notification types of one booking, as its owner reads them, sorted. */
async function notificationTypes(customer: Customer, bookingId: string): Promise<string[]> {
  const res = await get(`${stack.notifications.url}/notifications?bookingId=${bookingId}`, customer.auth);
  return (res.body as { data: { type: string }[] }).data.map((n) => n.type).sort();
}

const notified = (customer: Customer, bookingId: string, types: string[]) =>
  waitFor(async () => JSON.stringify(await notificationTypes(customer, bookingId)) === JSON.stringify(types), 20_000);

/** The events whose seats do not add up (docs/api.md "The seat invariant"): always none. */
async function eventsBreakingTheInvariant(): Promise<string[]> {
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    `SELECT e.id FROM events e
       LEFT JOIN bookings b ON b.event_id = e.id AND b.status IN ('held', 'confirmed')
      GROUP BY e.id, e.total_seats, e.available_seats
     HAVING e.total_seats <> e.available_seats + COALESCE(SUM(b.quantity), 0)`,
  );
  return rows.map((r) => String(r.id));
}

async function entry(customer: Customer, id: string): Promise<Entry> {
  const res = await get(`${waitlistUrl(0)}/${id}`, customer.auth);
  if (res.status !== 200) throw new Error(`waitlist entry: ${res.status} ${res.text}`);
  return res.body as Entry;
}

describe('checkout: a hold, then its confirm', () => {
  test('when a customer holds a seat and confirms it on the other replica, then the seat is taken from the hold on and booking.confirmed comes with the confirm', async () => {
    const eventId = await createEvent(stack, 2);
    const ada = await createUser(stack);

    const held = await post(bookingsUrl(0), { eventId, hold: true }, ada.auth);
    expect(held.status).toBe(201);
    const hold = held.body as Booking;
    expect(hold).toEqual({
      id: expect.any(String),
      userId: ada.id,
      eventId,
      quantity: 1,
      status: 'held',
      createdAt: expect.stringMatching(/Z$/),
      expiresAt: expect.stringMatching(/Z$/),
    });
    // HOLD_TTL_SECONDS is the default, 600, in this stack.
    const ttl = (Date.parse(String(hold.expiresAt)) - Date.parse(hold.createdAt)) / 1000;
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThan(610);
    expect(await seatsOf(stack, eventId)).toEqual({ total: 2, available: 1 });
    const holds = await get(`${bookingsUrl(1)}?eventId=${eventId}&status=held`, ada.auth);
    expect((holds.body as { data: Booking[] }).data.map((b) => b.id)).toEqual([hold.id]);

    // No message at the hold: nothing is notified while it is held (the relay polls every 200 ms here).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await notificationTypes(ada, hold.id)).toEqual([]);

    const confirmed = await post(`${bookingsUrl(1)}/${hold.id}/confirm`, undefined, ada.auth);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: hold.id, status: 'confirmed' });
    expect(confirmed.body).not.toHaveProperty('expiresAt');
    const again = await post(`${bookingsUrl(0)}/${hold.id}/confirm`, {}, ada.auth);
    expect(again).toMatchObject({ status: 200, body: confirmed.body });

    expect(await notified(ada, hold.id, ['booking.confirmed'])).toBe(true);
    expect(await seatsOf(stack, eventId)).toEqual({ total: 2, available: 1 });
    expect(await eventsBreakingTheInvariant()).toEqual([]);
  });
});

describe('checkout: a sold-out event and its waitlist', () => {
  test('when the booking of a sold-out event is cancelled, then the first in line is offered the seat, notified with waitlist.offered, and confirming the offer confirms the entry', async () => {
    const eventId = await createEvent(stack, 1);
    const [ada, grace, linus] = [await createUser(stack), await createUser(stack), await createUser(stack)];
    const booked = await post(bookingsUrl(0), { eventId }, ada.auth);
    expect(booked.status).toBe(201);
    const bookingId = (booked.body as Booking).id;

    const soldOut = await post(bookingsUrl(1), { eventId }, grace.auth);
    expect([soldOut.status, codeOf(soldOut)]).toEqual([409, 'SOLD_OUT']);
    const graceJoins = await post(waitlistUrl(1), { eventId }, grace.auth);
    expect(graceJoins.status).toBe(201);
    expect(graceJoins.body).toMatchObject({ eventId, userId: grace.id, quantity: 1, status: 'waiting', position: 1 });
    const graceEntry = (graceJoins.body as Entry).id;
    const linusJoins = await post(waitlistUrl(0), { eventId }, linus.auth);
    expect(linusJoins.body).toMatchObject({ status: 'waiting', position: 2 });
    const linusEntry = (linusJoins.body as Entry).id;
    const twice = await post(waitlistUrl(0), { eventId }, grace.auth);
    expect([twice.status, codeOf(twice)]).toEqual([409, 'CONFLICT']);

    // The cancel returns the seat, and in the same transaction it goes to Grace, first in line: not on sale.
    const cancelled = await post(`${bookingsUrl(1)}/${bookingId}/cancel`, undefined, ada.auth);
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await seatsOf(stack, eventId)).toEqual({ total: 1, available: 0 });
    const offered = await entry(grace, graceEntry);
    expect(offered).toMatchObject({ status: 'offered', bookingId: expect.any(String), expiresAt: expect.any(String) });
    expect(offered).not.toHaveProperty('position');
    expect(await entry(linus, linusEntry)).toMatchObject({ status: 'waiting', position: 1 });
    const offerId = String(offered.bookingId);
    const offer = await get(`${bookingsUrl(0)}/${offerId}`, grace.auth);
    expect(offer.body).toMatchObject({ userId: grace.id, eventId, quantity: 1, status: 'held' });
    expect((offer.body as Booking).expiresAt).toBe(offered.expiresAt);
    const linusTakes = await post(bookingsUrl(0), { eventId }, linus.auth);
    expect([linusTakes.status, codeOf(linusTakes)]).toEqual([409, 'SOLD_OUT']);

    expect(await notified(grace, offerId, ['waitlist.offered'])).toBe(true);
    const note = await get(`${stack.notifications.url}/notifications?bookingId=${offerId}`, grace.auth);
    expect((note.body as { data: { message: string }[] }).data[0]?.message).toContain(offerId);

    const confirmed = await post(`${bookingsUrl(1)}/${offerId}/confirm`, undefined, grace.auth);
    expect(confirmed).toMatchObject({ status: 200, body: { id: offerId, status: 'confirmed' } });
    expect(await entry(grace, graceEntry)).toMatchObject({ status: 'confirmed', bookingId: offerId });
    expect(await notified(grace, offerId, ['booking.confirmed', 'waitlist.offered'])).toBe(true);

    const left = await post(`${waitlistUrl(1)}/${linusEntry}/leave`, undefined, linus.auth);
    expect(left).toMatchObject({ status: 200, body: { id: linusEntry, status: 'left' } });
    const leftAgain = await post(`${waitlistUrl(0)}/${linusEntry}/leave`, undefined, linus.auth);
    expect(leftAgain).toMatchObject({ status: 200, body: left.body });
    expect(await seatsOf(stack, eventId)).toEqual({ total: 1, available: 0 });
    expect(await eventsBreakingTheInvariant()).toEqual([]);
  });

  test('when a customer joins the waitlist of an event that can still serve them, then 409 SEATS_AVAILABLE', async () => {
    const eventId = await createEvent(stack, 3);
    const ada = await createUser(stack);
    const res = await post(waitlistUrl(0), { eventId, quantity: 3 }, ada.auth);
    expect([res.status, codeOf(res)]).toEqual([409, 'SEATS_AVAILABLE']);
  });
});

describe('checkout: holds and offers that run out', () => {
  test("when a hold and then an offer are not confirmed in time, then their seats come back within 5 s of expiresAt, the offer's to the next in line", async () => {
    // A third replica whose holds and offers last 2 s (the hold, and the offer its cancel makes, are made there);
    // every replica's sweeper expires them.
    const short = await stack.extra('booking-service', { HOLD_TTL_SECONDS: '2', OFFER_TTL_SECONDS: '2' });
    const eventId = await createEvent(stack, 1);
    const [ada, grace, linus] = [await createUser(stack), await createUser(stack), await createUser(stack)];

    // A hold nobody confirms: expired within 5 s of expiresAt, the seat back on sale (nobody waits).
    const held = await post(`${short.url}/bookings`, { eventId, hold: true }, ada.auth);
    expect(held.status).toBe(201);
    const hold = held.body as Booking;
    const ttlMs = Date.parse(String(hold.expiresAt)) - Date.parse(hold.createdAt);
    expect(ttlMs).toBeGreaterThan(1_500);
    expect(ttlMs).toBeLessThan(2_500);
    const untilExpiry = () => Date.parse(String(hold.expiresAt)) + 5_000 - Date.now();
    expect(await waitFor(async () => (await seatsOf(stack, eventId)).available === 1, Math.max(untilExpiry(), 0))).toBe(
      true,
    );
    const expired = await get(`${bookingsUrl(0)}/${hold.id}`, ada.auth);
    expect(expired.body).toMatchObject({ status: 'expired', expiresAt: hold.expiresAt });
    const late = await post(`${bookingsUrl(1)}/${hold.id}/confirm`, undefined, ada.auth);
    expect([late.status, codeOf(late)]).toEqual([409, 'HOLD_EXPIRED']);
    expect(await notified(ada, hold.id, ['booking.expired'])).toBe(true);

    // An offer nobody confirms: Grace's runs out and the seat moves on to Linus, never on sale in between.
    const booked = await post(bookingsUrl(0), { eventId }, ada.auth);
    expect(booked.status).toBe(201);
    const graceEntry = ((await post(waitlistUrl(0), { eventId }, grace.auth)).body as Entry).id;
    const linusEntry = ((await post(waitlistUrl(1), { eventId }, linus.auth)).body as Entry).id;
    const cancelled = await post(`${short.url}/bookings/${(booked.body as Booking).id}/cancel`, undefined, ada.auth);
    expect(cancelled.status).toBe(200);
    const graceOffer = await entry(grace, graceEntry);
    expect(graceOffer.status).toBe('offered');
    const offerDeadline = Date.parse(String(graceOffer.expiresAt)) + 5_000 - Date.now();
    expect(
      await waitFor(async () => (await entry(linus, linusEntry)).status === 'offered', Math.max(offerDeadline, 0)),
    ).toBe(true);
    expect(await entry(grace, graceEntry)).toMatchObject({ status: 'expired', bookingId: graceOffer.bookingId });
    expect(await seatsOf(stack, eventId)).toEqual({ total: 1, available: 0 });

    // Linus leaves: his offer's hold is cancelled and, nobody else waiting, the seat is back on sale.
    const left = await post(`${waitlistUrl(1)}/${linusEntry}/leave`, undefined, linus.auth);
    expect(left).toMatchObject({ status: 200, body: { status: 'left' } });
    const linusOffer = String((left.body as Entry).bookingId);
    expect((await get(`${bookingsUrl(0)}/${linusOffer}`, linus.auth)).body).toMatchObject({ status: 'cancelled' });
    expect(await seatsOf(stack, eventId)).toEqual({ total: 1, available: 1 });
    expect(await eventsBreakingTheInvariant()).toEqual([]);
  });
});
