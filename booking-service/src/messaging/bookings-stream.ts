import {
  BOOKINGS_STREAM,
  BOOKINGS_STREAM_STORAGE,
  type BookingsStreamLimits,
  bookingsStreamSettings,
} from '@ebs/contracts';
import type { NatsConnection } from 'nats';

export type { BookingsStreamLimits };

/**
 * booking-service alone owns the BOOKINGS stream's configuration (docs/messaging.md): it creates the stream, or
 * brings an existing one to these subjects, duplicate window and retention limits. event-service and
 * notification-service only look it up. Safe to call from every replica at once.
 */
export async function ensureBookingsStream(nc: NatsConnection, limits: BookingsStreamLimits): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const wanted = bookingsStreamSettings(limits);
  try {
    const info = await jsm.streams.info(BOOKINGS_STREAM);
    const c = info.config;
    const same =
      c.subjects?.join() === wanted.subjects.join() &&
      c.duplicate_window === wanted.duplicate_window &&
      c.max_age === wanted.max_age &&
      c.max_bytes === wanted.max_bytes &&
      c.discard === wanted.discard;
    if (!same) await jsm.streams.update(BOOKINGS_STREAM, wanted);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    try {
      await jsm.streams.add({ ...BOOKINGS_STREAM_STORAGE, ...wanted });
    } catch (addErr) {
      // Another replica created it between our info and add: fine if it now exists.
      await jsm.streams.info(BOOKINGS_STREAM).catch(() => {
        throw addErr;
      });
    }
  }
}
