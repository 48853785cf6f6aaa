-- Events of event-service. available_seats is the one counter bookings decrement under the row lock
-- (SELECT ... FOR UPDATE); the CHECK makes overselling impossible even for a buggy writer.
CREATE TABLE IF NOT EXISTS events (
  id               CHAR(36)      NOT NULL,
  name             VARCHAR(200)  NOT NULL,
  description      TEXT          NULL,
  venue            VARCHAR(200)  NULL,
  starts_at        DATETIME(3)   NOT NULL,
  total_seats      INT           NOT NULL,
  available_seats  INT           NOT NULL,
  created_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY ix_events_created (created_at, id),
  CONSTRAINT ck_events_total CHECK (total_seats BETWEEN 1 AND 1000000),
  CONSTRAINT ck_events_available CHECK (available_seats >= 0 AND available_seats <= total_seats)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
