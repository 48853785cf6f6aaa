import { adminAuth } from '@ebs/service-kit/testing';
import request from 'supertest';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import {
  confirmedPayload,
  expiredPayload,
  insertEvent,
  notificationRows,
  offeredPayload,
  parkedRows,
  publisher,
  waitFor,
} from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// bookings.expired (a hold not confirmed in time) and bookings.offered (seats held for a waitlist entry), as
// booking-service's relay publishes them: msgID `<bookingId>.<kind>`, payload as @ebs/contracts defines it.

/** Bookings whose next store commits and then fails, as when the connection drops before the ack is sent. */
const commitThenFailOnce = new Set<string>();
/** How many times a batch holding each booking was stored. */
const stores = new Map<string, number>();

// On the shared database: suites in other workers, each with a nats-server of its own, park messages with the
// same sequence numbers there, and each is a row of its own (db/migrations/012_parked_message_key.sql).
let t: TestApp;
let pub: Awaited<ReturnType<typeof publisher>>;
beforeAll(async () => {
  pub = await publisher();
  t = createTestApp(
    {},
    {
      retryBaseMs: 50,
      notifications: (repo) => ({
        ...repo,
        insertMany: async (rows) => {
          await repo.insertMany(rows);
          for (const r of rows) stores.set(r.bookingId, (stores.get(r.bookingId) ?? 0) + 1);
          const failing = rows.filter((r) => commitThenFailOnce.delete(r.bookingId));
          if (failing.length > 0) {
            throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
              code: 'PROTOCOL_CONNECTION_LOST',
            });
          }
        },
      }),
    },
  );
  await t.nats.firstConnect;
});
afterAll(async () => {
  await t.close();
  await pub.close();
});

const consumerInfo = async () => (await pub.jetstreamManager()).consumers.info('BOOKINGS', CONSUMER_NAME);
/** Everything in the stream so far was delivered and acked (stored or parked): nothing more is coming. */
const allHandled = () =>
  waitFor(async () => {
    const info = await consumerInfo();
    return info.num_pending === 0 && info.num_ack_pending === 0;
  });

const listed = async (bookingId: string) =>
  (await request(t.app).get(`/notifications?bookingId=${bookingId}`).set(adminAuth()).expect(200)).body;

const anId = expect.stringMatching(/^[0-9a-f-]{36}$/);
const anInstant = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

describe('bookings.expired', () => {
  test("when bookings.expired is published (and a second copy is delivered), then exactly one booking.expired notification with the hold's text is stored", async () => {
    const eventId = await insertEvent(t.pool, 5, 'Jazz Night');
    const expired = expiredPayload({ eventId, quantity: 2 });
    await pub.publishJs('bookings.expired', expired, `${expired.bookingId}.expired`);
    await pub.publishJs('bookings.expired', expired, `${expired.bookingId}.expired`); // dropped by the stream
    await pub.publishJs('bookings.expired', expired, `${expired.bookingId}.expired-again`); // a second copy in it
    expect(await waitFor(async () => (await notificationRows(t.pool, expired.bookingId)).length > 0)).toBe(true);
    expect(await allHandled()).toBe(true);

    expect(await listed(expired.bookingId)).toEqual({
      data: [
        {
          id: anId,
          type: 'booking.expired',
          bookingId: expired.bookingId,
          userId: expired.userId,
          eventId,
          message:
            'Your hold of 2 seats for "Jazz Night" on 2099-06-01T19:30:00.000Z expired at 2099-05-31T18:00:00.000Z; ' +
            'the seats were released.',
          createdAt: anInstant,
        },
      ],
      pagination: { limit: 20, offset: 0, total: 1 },
    });
    expect(await notificationRows(t.pool, expired.bookingId)).toHaveLength(1);
  });

  test("when the expired hold's event is unknown, then the text names the seats alone and the instant in UTC", async () => {
    const expired = expiredPayload({ quantity: 1, expiresAt: '2099-05-31T20:00:00.000+02:00' });
    await pub.publishJs('bookings.expired', expired, `${expired.bookingId}.expired`);
    expect(await waitFor(async () => (await notificationRows(t.pool, expired.bookingId)).length === 1)).toBe(true);
    expect((await notificationRows(t.pool, expired.bookingId))[0]).toMatchObject({
      type: 'booking.expired',
      message: 'Your hold of 1 seat expired at 2099-05-31T18:00:00.000Z; the seat was released.',
    });
  });

  test('when bookings.expired lacks expiresAt, then it is parked and acked, not stored', async () => {
    const bad = expiredPayload({ expiresAt: undefined });
    await pub.publishJs('bookings.expired', bad, `${bad.bookingId}.expired`);
    const parked = async () => (await parkedRows(t.pool, CONSUMER_NAME)).find((r) => r.payload.includes(bad.bookingId));
    expect(await waitFor(async () => (await parked()) !== undefined)).toBe(true);
    expect(await parked()).toMatchObject({
      subject: 'bookings.expired',
      reason: expect.stringContaining('expiresAt'),
      replayed_at: null,
    });
    expect(await allHandled()).toBe(true);
    expect(await notificationRows(t.pool, bad.bookingId)).toHaveLength(0);
  });
});

describe('bookings.offered', () => {
  test('when bookings.offered is published (and a second copy is delivered), then exactly one waitlist.offered notification naming the booking to confirm and its deadline is stored', async () => {
    const eventId = await insertEvent(t.pool, 5, 'Opera');
    const offered = offeredPayload({ eventId, quantity: 2 });
    const { bookingId } = offered;
    await pub.publishJs('bookings.offered', offered, `${bookingId}.offered`);
    await pub.publishJs('bookings.offered', offered, `${bookingId}.offered`); // dropped by the stream
    await pub.publishJs('bookings.offered', offered, `${bookingId}.offered-again`); // a second copy in it
    expect(await waitFor(async () => (await notificationRows(t.pool, bookingId)).length > 0)).toBe(true);
    expect(await allHandled()).toBe(true);

    expect(await listed(bookingId)).toEqual({
      data: [
        {
          id: anId,
          type: 'waitlist.offered',
          bookingId,
          userId: offered.userId,
          eventId,
          message:
            `2 seats for "Opera" on 2099-06-01T19:30:00.000Z are held for you: confirm booking ${bookingId} ` +
            `(POST /bookings/${bookingId}/confirm) by 2099-05-31T18:15:00.000Z.`,
          createdAt: anInstant,
        },
      ],
      pagination: { limit: 20, offset: 0, total: 1 },
    });
    expect(await notificationRows(t.pool, bookingId)).toHaveLength(1);
  });

  test("when the offer's event is unknown, then the text names the seat alone, the booking and the deadline", async () => {
    const offered = offeredPayload({ quantity: 1 });
    const { bookingId } = offered;
    await pub.publishJs('bookings.offered', offered, `${bookingId}.offered`);
    expect(await waitFor(async () => (await notificationRows(t.pool, bookingId)).length === 1)).toBe(true);
    expect((await notificationRows(t.pool, bookingId))[0]).toMatchObject({
      type: 'waitlist.offered',
      message:
        `1 seat is held for you: confirm booking ${bookingId} (POST /bookings/${bookingId}/confirm) ` +
        'by 2099-05-31T18:15:00.000Z.',
    });
  });

  test.each([
    ['without expiresAt', 'expiresAt', { expiresAt: undefined }],
    ['whose waitlistEntryId is not a UUID', 'waitlistEntryId', { waitlistEntryId: 'entry-1' }],
    ['whose expiresAt is not a date-time', 'expiresAt', { expiresAt: 'in 15 minutes' }],
  ])('when bookings.offered arrives %s, then it is parked and acked, not stored', async (_, field, overrides) => {
    const bad = offeredPayload(overrides);
    await pub.publishJs('bookings.offered', bad, `${bad.bookingId}.offered`);
    const parked = async () => (await parkedRows(t.pool, CONSUMER_NAME)).find((r) => r.payload.includes(bad.bookingId));
    expect(await waitFor(async () => (await parked()) !== undefined)).toBe(true);
    expect(await parked()).toMatchObject({
      subject: 'bookings.offered',
      reason: expect.stringContaining(field),
      replayed_at: null,
    });
    expect(await allHandled()).toBe(true);
    expect((await consumerInfo()).num_redelivered).toBe(0);
    expect(await notificationRows(t.pool, bad.bookingId)).toHaveLength(0);
  });

  test('when bookings.offered arrives without waitlistEntryId (DESIGN §4 lists only the booking fields and expiresAt), then it is stored', async () => {
    const plain = offeredPayload({ waitlistEntryId: undefined });
    await pub.publishJs('bookings.offered', plain, `${plain.bookingId}.offered`);
    expect(await waitFor(async () => (await notificationRows(t.pool, plain.bookingId)).length === 1)).toBe(true);
    expect(await notificationRows(t.pool, plain.bookingId)).toEqual([
      expect.objectContaining({ type: 'waitlist.offered' }),
    ]);
  });

  test("when one offer is confirmed and another offer's hold expires, then each booking has one notification per message kind", async () => {
    const eventId = await insertEvent(t.pool, 5, 'Ballet');
    const taken = offeredPayload({ eventId });
    const lapsed = offeredPayload({ eventId });
    await pub.publishJs('bookings.offered', taken, `${taken.bookingId}.offered`);
    const { bookingId, userId, quantity, createdAt } = taken;
    const confirmed = confirmedPayload({ bookingId, userId, eventId, quantity, createdAt });
    await pub.publishJs('bookings.confirmed', confirmed, `${bookingId}.confirmed`);
    await pub.publishJs('bookings.offered', lapsed, `${lapsed.bookingId}.offered`);
    await pub.publishJs('bookings.expired', lapsed, `${lapsed.bookingId}.expired`);
    expect(await waitFor(async () => (await notificationRows(t.pool, lapsed.bookingId)).length === 2)).toBe(true);
    expect(await allHandled()).toBe(true);

    const types = async (bookingId: string) =>
      (await listed(bookingId)).data.map((n: { type: string }) => n.type).sort();
    expect(await types(taken.bookingId)).toEqual(['booking.confirmed', 'waitlist.offered']);
    expect(await types(lapsed.bookingId)).toEqual(['booking.expired', 'waitlist.offered']);
  });
});

describe('redelivery', () => {
  test('when an expired and an offered message are stored but their ack is lost, then their redelivery adds nothing', async () => {
    const eventId = await insertEvent(t.pool, 5, 'Recital');
    const expired = expiredPayload({ eventId });
    const offered = offeredPayload({ eventId });
    commitThenFailOnce.add(expired.bookingId);
    commitThenFailOnce.add(offered.bookingId);
    await pub.publishJs('bookings.expired', expired, `${expired.bookingId}.expired`);
    await pub.publishJs('bookings.offered', offered, `${offered.bookingId}.offered`);
    expect(
      await waitFor(async () => (stores.get(expired.bookingId) ?? 0) >= 2 && (stores.get(offered.bookingId) ?? 0) >= 2),
    ).toBe(true);
    expect(await allHandled()).toBe(true);

    expect(commitThenFailOnce.size).toBe(0);
    expect(await notificationRows(t.pool, expired.bookingId)).toEqual([
      expect.objectContaining({ type: 'booking.expired' }),
    ]);
    expect(await notificationRows(t.pool, offered.bookingId)).toEqual([
      expect.objectContaining({ type: 'waitlist.offered' }),
    ]);
  });
});
