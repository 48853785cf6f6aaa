-- Bookings of booking-service. Written in the same transaction that decrements events.available_seats.
CREATE TABLE IF NOT EXISTS bookings (
  id          CHAR(36)     NOT NULL,
  user_id     CHAR(36)     NOT NULL,
  event_id    CHAR(36)     NOT NULL,
  quantity    INT          NOT NULL,
  status      VARCHAR(20)  NOT NULL DEFAULT 'confirmed',
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  -- One index per list filter, each ending in the list order (newest first).
  KEY ix_bookings_user (user_id, created_at, id),
  KEY ix_bookings_event (event_id, created_at, id),
  KEY ix_bookings_created (created_at, id),
  CONSTRAINT fk_bookings_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_bookings_event FOREIGN KEY (event_id) REFERENCES events (id),
  CONSTRAINT ck_bookings_quantity CHECK (quantity BETWEEN 1 AND 10),
  CONSTRAINT ck_bookings_status CHECK (status IN ('confirmed', 'cancelled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
