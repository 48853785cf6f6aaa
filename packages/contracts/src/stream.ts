import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type StreamConfig } from 'nats';

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
};

/**
 * The settings booking-service keeps the BOOKINGS stream at (it alone owns them; the consumers only look the
 * stream up): its subjects, duplicate window and retention limits.
 */
export const bookingsStreamSettings = (limits: BookingsStreamLimits) =>
  ({
    subjects: [BOOKINGS_FILTER],
    duplicate_window: nanos(limits.duplicateWindowSeconds * 1000),
    max_age: nanos(limits.maxAgeHours * 3_600_000),
    max_bytes: limits.maxBytes,
    discard: DiscardPolicy.Old,
  }) satisfies Partial<StreamConfig>;

/** What the stream is created with besides its settings: kept on disk, messages removed only by the limits. */
export const BOOKINGS_STREAM_STORAGE = {
  name: BOOKINGS_STREAM,
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
} satisfies Partial<StreamConfig>;
