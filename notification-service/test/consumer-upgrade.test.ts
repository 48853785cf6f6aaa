import { ownNats } from '@ebs/service-kit/testing';
import type { OwnServer } from '@ebs/test-support';
import { AckPolicy, DeliverPolicy } from 'nats';
import { CONSUMER_NAME, FILTER_SUBJECT } from '../src/messaging/bookings.consumer';
import { cancelledPayload, confirmedPayload, notificationRows, publisher, waitFor } from './support/fixtures';
import { createTestApp } from './support/test-app';

/**
 * A stream left by the previous version: its durable consumer filters bookings.confirmed only and has
 * already handled (acked) the first `acked` confirmed messages.
 */
async function previousVersion(nats: OwnServer, subjects: Array<['confirmed' | 'cancelled', object]>, acked: number) {
  const pub = await publisher(nats.url);
  for (const [kind, payload] of subjects) await pub.publishJs(`bookings.${kind}`, payload);
  const jsm = await pub.jetstreamManager();
  await jsm.consumers.add('BOOKINGS', {
    durable_name: CONSUMER_NAME,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: 'bookings.confirmed',
  });
  const consumer = await pub.jetstream().consumers.get('BOOKINGS', CONSUMER_NAME);
  const batch = await consumer.fetch({ max_messages: acked, expires: 2_000 });
  for await (const m of batch) await m.ackAck();
  return pub;
}

describe('when the service starts on a consumer of the previous version (filter bookings.confirmed)', () => {
  const nats = ownNats('test');

  test('when a cancellation already lies behind its position, then the consumer restarts there and stores it', async () => {
    const c1 = confirmedPayload();
    const x = cancelledPayload();
    const c2 = confirmedPayload();
    const pub = await previousVersion(
      nats,
      [
        ['confirmed', c1],
        ['cancelled', x],
        ['confirmed', c2],
      ],
      2,
    );
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      expect(await waitFor(async () => (await notificationRows(t.pool, x.bookingId)).length === 1)).toBe(true);
      expect(await notificationRows(t.pool, x.bookingId)).toEqual([
        expect.objectContaining({ type: 'booking.cancelled' }),
      ]);
      // Restarted at the cancellation: c2 comes again (stored once), c1 (before it) does not.
      expect(await waitFor(async () => (await notificationRows(t.pool, c2.bookingId)).length === 1)).toBe(true);
      expect(await notificationRows(t.pool, c1.bookingId)).toHaveLength(0);
      const info = await (await pub.jetstreamManager()).consumers.info('BOOKINGS', CONSUMER_NAME);
      expect(info.config.filter_subject).toBe(FILTER_SUBJECT);
    } finally {
      await t.close();
      await pub.close();
    }
  });

  test('when no cancellation is in the stream, then the consumer restarts at its ack floor with the wider filter', async () => {
    const c1 = confirmedPayload();
    const c2 = confirmedPayload();
    const pub = await previousVersion(
      nats,
      [
        ['confirmed', c1],
        ['confirmed', c2],
      ],
      1,
    );
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      expect(await waitFor(async () => (await notificationRows(t.pool, c2.bookingId)).length === 1)).toBe(true);
      expect(await notificationRows(t.pool, c1.bookingId)).toHaveLength(0); // acked by the previous version
      const x = cancelledPayload();
      await pub.publishJs('bookings.cancelled', x);
      expect(await waitFor(async () => (await notificationRows(t.pool, x.bookingId)).length === 1)).toBe(true);
      // The ack follows the commit without being waited for: the server's ack floor reaches 3 a moment later.
      const jsm = await pub.jetstreamManager();
      const info = () => jsm.consumers.info('BOOKINGS', CONSUMER_NAME);
      expect(await waitFor(async () => (await info()).ack_floor.stream_seq === 3)).toBe(true);
      expect((await info()).config.filter_subject).toBe(FILTER_SUBJECT);
    } finally {
      await t.close();
      await pub.close();
    }
  });
});
