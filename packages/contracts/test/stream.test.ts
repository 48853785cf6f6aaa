import { DiscardPolicy, nanos, RetentionPolicy, StorageType } from 'nats';
import { BOOKINGS_FILTER, BOOKINGS_STREAM, BOOKINGS_STREAM_STORAGE, bookingsStreamSettings } from '../src';

// The contracts spell the stream's settings without loading the NATS client: they must equal what the
// client's own enums and nanos() give.
describe('the BOOKINGS stream settings', () => {
  test('when built from limits, then they equal the NATS client’s values for the same settings', () => {
    expect(
      bookingsStreamSettings({ duplicateWindowSeconds: 120, maxAgeHours: 72, maxBytes: 1024, replicas: 3 }),
    ).toEqual({
      subjects: [BOOKINGS_FILTER],
      duplicate_window: nanos(120_000),
      max_age: nanos(72 * 3_600_000),
      max_bytes: 1024,
      discard: DiscardPolicy.Old,
      num_replicas: 3,
    });
    expect(BOOKINGS_STREAM_STORAGE).toEqual({
      name: BOOKINGS_STREAM,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
    });
  });
});
