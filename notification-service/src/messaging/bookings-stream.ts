import { type NatsConnection, nanos, StorageType } from 'nats';

/** The JetStream stream that captures every bookings.* subject (DESIGN.md §4). */
export const BOOKINGS_STREAM = 'BOOKINGS';
export const BOOKINGS_SUBJECTS = ['bookings.>'];

/**
 * Creates the BOOKINGS stream, or brings an existing one to our subjects and duplicate window. Safe to call
 * from every replica and service at once.
 */
export async function ensureBookingsStream(nc: NatsConnection, duplicateWindowSeconds = 120): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const duplicate_window = nanos(duplicateWindowSeconds * 1000);
  try {
    await jsm.streams.info(BOOKINGS_STREAM);
    await jsm.streams.update(BOOKINGS_STREAM, { subjects: BOOKINGS_SUBJECTS, duplicate_window });
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    try {
      await jsm.streams.add({
        name: BOOKINGS_STREAM,
        subjects: BOOKINGS_SUBJECTS,
        storage: StorageType.File,
        duplicate_window,
      });
    } catch (addErr) {
      // Another process created it between our info and add: fine if it now exists.
      await jsm.streams.info(BOOKINGS_STREAM).catch(() => {
        throw addErr;
      });
    }
  }
}
