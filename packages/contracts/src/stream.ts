import type { DiscardPolicy, RetentionPolicy, StorageType, StreamConfig } from 'nats';

// Types only from nats: the values below are the JetStream API's own strings and nanoseconds, so importing the
// contracts never loads the NATS client (user-service uses the contracts' ids and has no NATS).
const nanos = (millis: number): number => millis * 1_000_000;
const DISCARD_OLD = 'old' as unknown as DiscardPolicy;
const FILE_STORAGE = 'file' as unknown as StorageType;
const LIMITS_RETENTION = 'limits' as unknown as RetentionPolicy;

/** The JetStream stream that captures every bookings.* subject (docs/messaging.md). */
export const BOOKINGS_STREAM = 'BOOKINGS';
/** What the stream captures, and the filter of a consumer that wants every booking message. */
export const BOOKINGS_FILTER = 'bookings.>';

export type BookingsStreamLimits = {
  /** JetStream drops a re-published msgID within this window (the relay may publish a row twice). */
  duplicateWindowSeconds: number;
  /** Messages older than this are removed (consumers down longer than this miss them). */
  maxAgeHours: number;
  /** The stream never grows past this; the oldest messages go first. */
  maxBytes: number;
  /** Copies of the stream kept on that many JetStream servers (3 on a 3-node cluster; 1 on a single server). */
  replicas: number;
};

/**
 * The settings booking-service keeps the BOOKINGS stream at (it alone owns them; the consumers only look the
 * stream up): its subjects, duplicate window, retention limits and replicas. The durable consumers are made
 * without a replica count of their own, so JetStream gives them the stream's.
 */
export const bookingsStreamSettings = (limits: BookingsStreamLimits) =>
  ({
    subjects: [BOOKINGS_FILTER],
    duplicate_window: nanos(limits.duplicateWindowSeconds * 1000),
    max_age: nanos(limits.maxAgeHours * 3_600_000),
    max_bytes: limits.maxBytes,
    discard: DISCARD_OLD,
    num_replicas: limits.replicas,
  }) satisfies Partial<StreamConfig>;

/** What the stream is created with besides its settings: kept on disk, messages removed only by the limits. */
export const BOOKINGS_STREAM_STORAGE = {
  name: BOOKINGS_STREAM,
  storage: FILE_STORAGE,
  retention: LIMITS_RETENTION,
} satisfies Partial<StreamConfig>;
