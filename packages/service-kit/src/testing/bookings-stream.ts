import { BOOKINGS_FILTER, BOOKINGS_STREAM } from '@ebs/contracts';
import { connect, type NatsConnection, nanos, StorageType } from 'nats';

/**
 * Creates the BOOKINGS stream as booking-service does (it alone owns its configuration); an existing one is
 * given this duplicate window. For the consumers' tests: their own code only looks the stream up.
 */
export async function createBookingsStream(nc: NatsConnection, duplicateWindowSeconds = 120): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const duplicate_window = nanos(duplicateWindowSeconds * 1000);
  try {
    await jsm.streams.add({
      name: BOOKINGS_STREAM,
      subjects: [BOOKINGS_FILTER],
      storage: StorageType.File,
      duplicate_window,
    });
  } catch {
    await jsm.streams.update(BOOKINGS_STREAM, { subjects: [BOOKINGS_FILTER], duplicate_window });
  }
}

/**
 * For a consumer's tests: a connection to the run's NATS with the BOOKINGS stream made as booking-service makes
 * it, opened before the file's first test (declare it before the app) and closed after its last.
 */
export function bookingsStreamPerFile(): { nc: NatsConnection } {
  const stream = {} as { nc: NatsConnection };
  beforeAll(async () => {
    stream.nc = await connect({ servers: process.env.NATS_URL });
    await createBookingsStream(stream.nc);
  });
  afterAll(async () => {
    await stream.nc?.close();
  });
  return stream;
}
