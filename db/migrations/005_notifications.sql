-- Notifications of notification-service, one per (booking, type): a redelivered message adds nothing.
-- No foreign key to bookings: the message is this service's source, and the consumer must never be
-- stuck on a row another service owns.
CREATE TABLE IF NOT EXISTS notifications (
  id          CHAR(36)      NOT NULL,
  type        VARCHAR(50)   NOT NULL,
  booking_id  CHAR(36)      NOT NULL,
  user_id     CHAR(36)      NOT NULL,
  event_id    CHAR(36)      NOT NULL,
  message     VARCHAR(500)  NOT NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uq_notifications_booking_type (booking_id, type),
  KEY ix_notifications_user (user_id, created_at, id),
  KEY ix_notifications_created (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
