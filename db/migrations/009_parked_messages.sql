-- Messages a consumer could not handle (malformed payload, unknown subject, a failure that outlived its
-- retries), parked here by the consumer before it acks them: never dropped, never a redelivery loop.
-- An operator lists them (`SELECT id, consumer, subject, reason, CAST(payload AS CHAR) FROM parked_messages
-- WHERE replayed_at IS NULL`) and replays them once fixed (notification-service: `npm run replay-parked`).
-- payload is the message's exact bytes (a BLOB: they need not be UTF-8); headers is JSON text.
-- notifications needs nothing new for bookings.cancelled: type is VARCHAR(50) and the unique key
-- (booking_id, type) already stores one row per booking and type.
CREATE TABLE IF NOT EXISTS parked_messages (
  id           BIGINT        NOT NULL AUTO_INCREMENT,
  consumer     VARCHAR(100)  NOT NULL,
  stream       VARCHAR(100)  NOT NULL,
  stream_seq   BIGINT        NOT NULL,
  subject      VARCHAR(255)  NOT NULL,
  headers      TEXT          NULL,
  payload      MEDIUMBLOB    NOT NULL,
  reason       VARCHAR(500)  NOT NULL,
  parked_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  replayed_at  DATETIME(3)   NULL,
  PRIMARY KEY (id),
  -- A message redelivered before its ack reached the server is parked once.
  UNIQUE KEY uq_parked_message (consumer, stream, stream_seq),
  -- What is still waiting for an operator, oldest first.
  KEY ix_parked_pending (consumer, replayed_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
