import { DiscardPolicy, type NatsConnection, nanos, RetentionPolicy, StorageType, type StreamConfig } from 'nats';

/** The JetStream stream that captures every bookings.* subject (docs/messaging.md). */
export const BOOKINGS_STREAM = 'BOOKINGS';
export const BOOKINGS_SUBJECTS = ['bookings.>'];

export type BookingsStreamLimits = {
  /** JetStream drops a re-published msgID within this window (the relay may publish a row twice). */
  duplicateWindowSeconds: number;
  /** Messages older than this are removed (consumers down longer than this miss them). */
  maxAgeHours: number;
  /** The stream never grows past this; the oldest messages go first. */
  maxBytes: number;
};

/**
 * booking-service alone owns the BOOKINGS stream's configuration (docs/messaging.md): it creates the stream, or
 * brings an existing one to these subjects, duplicate window and retention limits. event-service and
 * notification-service only look it up. Safe to call from every replica at once.
 */
export async function ensureBookingsStream(nc: NatsConnection, limits: BookingsStreamLimits): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const wanted = {
    subjects: BOOKINGS_SUBJECTS,
    duplicate_window: nanos(limits.duplicateWindowSeconds * 1000),
    max_age: nanos(limits.maxAgeHours * 3_600_000),
    max_bytes: limits.maxBytes,
    discard: DiscardPolicy.Old,
  } satisfies Partial<StreamConfig>;
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
      await jsm.streams.add({
        name: BOOKINGS_STREAM,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        ...wanted,
      });
    } catch (addErr) {
      // Another replica created it between our info and add: fine if it now exists.
      await jsm.streams.info(BOOKINGS_STREAM).catch(() => {
        throw addErr;
      });
    }
  }
}
