import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminAuth } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createParkedMessagesRepo } from '../src/data/parked-messages.repo';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import {
  cancelledPayload,
  confirmedPayload,
  expiredPayload,
  insertEvent,
  notificationRows,
  offeredPayload,
  parkedRows,
} from './support/fixtures';
import { createTestAppOnOwnDatabase, type TestApp } from './support/test-app';

// The replay goes over every parked message: on a database of its own, where only this file parks any
// (suites in other workers park messages, some of which a replay would store).
let t: TestApp & { database: string };
beforeAll(async () => {
  t = await createTestAppOnOwnDatabase();
});
afterAll(async () => {
  await t.close();
});

/** `npm run replay-parked` as an operator runs it (the build), on this file's database. */
async function replay(...args: string[]): Promise<string> {
  const script = path.resolve(__dirname, '..', 'dist', 'replay-parked.js');
  const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], {
    env: { ...process.env, MYSQL_DB: t.database },
  });
  return stdout;
}

let seq = 1_000_000;
async function park(subject: string, payload: unknown, reason: string): Promise<number> {
  const streamSeq = ++seq;
  await createParkedMessagesRepo(t.pool).park({
    consumer: CONSUMER_NAME,
    stream: 'BOOKINGS',
    streamSeq,
    streamTimeNs: Date.now() * 1e6,
    subject,
    headers: null,
    payload: new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    reason,
  });
  const row = (await parkedRows(t.pool, CONSUMER_NAME)).find((r) => Number(r.stream_seq) === streamSeq);
  return Number(row?.id);
}

describe('npm run replay-parked', () => {
  test('when parked messages can be stored now, then replay stores each once, marks them, and leaves the rest parked', async () => {
    // Parked by an older version (e.g. the strict z.uuid() that refused this user id): valid today.
    const eventId = await insertEvent(t.pool, 5, 'Replayed');
    const confirmed = confirmedPayload({ userId: '11111111-1111-1111-1111-111111111111', eventId, quantity: 1 });
    const cancelled = cancelledPayload();
    const a = await park('bookings.confirmed', confirmed, 'invalid payload: userId');
    const b = await park('bookings.cancelled', cancelled, 'unknown subject bookings.cancelled');
    const bad = await park('bookings.confirmed', 'still not json', 'payload is not JSON');

    const out = await replay();
    expect(out).toContain(`still parked: ${bad} (payload is not JSON)`);
    expect(out).toMatch(new RegExp(`replayed \\d+ parked message\\(s\\): .*\\b${a}, ${b}\\b`));

    const listed = await request(t.app).get(`/notifications?bookingId=${confirmed.bookingId}`).set(adminAuth());
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        type: 'booking.confirmed',
        userId: '11111111-1111-1111-1111-111111111111',
        message: `Your booking of 1 seat for "Replayed" on 2099-06-01T19:30:00.000Z is confirmed.`,
      }),
    ]);
    expect(await notificationRows(t.pool, cancelled.bookingId)).toEqual([
      expect.objectContaining({ type: 'booking.cancelled' }),
    ]);
    const rows = await parkedRows(t.pool, CONSUMER_NAME);
    expect(rows.find((r) => r.id === a)?.replayed_at).toBeInstanceOf(Date);
    expect(rows.find((r) => r.id === bad)?.replayed_at).toBeNull();

    // Again: nothing left to replay, nothing stored twice.
    expect(await replay()).toContain('replayed 0 parked message(s)');
    expect(await notificationRows(t.pool, confirmed.bookingId)).toHaveLength(1);
  });

  test('when bookings.expired and bookings.offered were parked as unknown subjects, then replay stores their notifications once', async () => {
    // What the version before these kinds did with them (its contracts knew only confirmed and cancelled).
    const eventId = await insertEvent(t.pool, 5, 'Parked Gala');
    const expired = expiredPayload({ eventId, quantity: 3 });
    const offered = offeredPayload({ eventId, quantity: 1 });
    const a = await park('bookings.expired', expired, 'unknown subject bookings.expired');
    const b = await park('bookings.offered', offered, 'unknown subject bookings.offered');

    expect(await replay('--id', String(a))).toContain(`replayed 1 parked message(s): ${a}`);
    expect(await replay('--id', String(b))).toContain(`replayed 1 parked message(s): ${b}`);
    expect(await notificationRows(t.pool, expired.bookingId)).toEqual([
      expect.objectContaining({
        type: 'booking.expired',
        message:
          'Your hold of 3 seats for "Parked Gala" on 2099-06-01T19:30:00.000Z expired at 2099-05-31T18:00:00.000Z; ' +
          'the seats were released.',
      }),
    ]);
    expect(await notificationRows(t.pool, offered.bookingId)).toEqual([
      expect.objectContaining({
        type: 'waitlist.offered',
        message:
          `1 seat for "Parked Gala" on 2099-06-01T19:30:00.000Z is held for you: confirm booking ${offered.bookingId} ` +
          `(POST /bookings/${offered.bookingId}/confirm) by 2099-05-31T18:15:00.000Z.`,
      }),
    ]);

    // Again: both are marked replayed, nothing is stored twice.
    expect(await replay('--id', String(a))).toContain('replayed 0 parked message(s)');
    expect(await notificationRows(t.pool, expired.bookingId)).toHaveLength(1);
  });

  test('when --id names one message, then only that one is replayed', async () => {
    const one = confirmedPayload();
    const other = confirmedPayload();
    const id = await park('bookings.confirmed', one, 'test');
    const otherId = await park('bookings.confirmed', other, 'test');
    expect(await replay('--id', String(id))).toContain(`replayed 1 parked message(s): ${id}`);
    expect(await notificationRows(t.pool, one.bookingId)).toHaveLength(1);
    expect(await notificationRows(t.pool, other.bookingId)).toHaveLength(0);
    expect(await replay('--id', String(otherId))).toContain(`replayed 1 parked message(s): ${otherId}`);
  });
});
