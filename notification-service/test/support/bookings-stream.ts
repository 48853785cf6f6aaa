import { type NatsConnection, nanos, StorageType } from 'nats';
import { BOOKINGS_STREAM } from '../../src/messaging/bookings-stream';

/**
 * Creates the BOOKINGS stream as booking-service does (it alone owns its configuration); an existing one is
 * given this duplicate window. This service's own code only looks the stream up.
 */
export async function createBookingsStream(nc: NatsConnection, duplicateWindowSeconds = 120): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const duplicate_window = nanos(duplicateWindowSeconds * 1000);
  try {
    await jsm.streams.add({
      name: BOOKINGS_STREAM,
      subjects: ['bookings.>'],
      storage: StorageType.File,
      duplicate_window,
    });
  } catch {
    await jsm.streams.update(BOOKINGS_STREAM, { subjects: ['bookings.>'], duplicate_window });
  }
}
