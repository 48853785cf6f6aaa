-- Holds and the waitlist (booking-service, docs/api.md "Holds" and "Waitlist").
-- Common subset of MySQL 8 and MariaDB 10.11. DDL commits implicitly, so every step is re-runnable should a
-- run die half-way: the ALTERs are prepared only when information_schema says they are still to do
-- (MySQL 8 has no ADD COLUMN / ADD INDEX IF NOT EXISTS; MariaDB has).

-- 1. A booking may be a hold: status 'held' until confirmed, cancelled or expired at expires_at (MySQL's
-- clock decides, UTC like every DATETIME here). held and expired bookings keep expires_at.
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND COLUMN_NAME = 'expires_at') = 0,
  'ALTER TABLE bookings ADD COLUMN expires_at DATETIME(3) NULL',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- The status CHECK of 003 knew only confirmed and cancelled: it is replaced by one that knows the four
-- states. DROP CONSTRAINT works alike on MySQL 8.0.19+ and MariaDB (MySQL's DROP CHECK is not in MariaDB).
-- Adding a CHECK copies the table on both engines (writes wait meanwhile): on a large live bookings table, run
-- this migration before the on-sale, not during it.
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND CONSTRAINT_NAME = 'ck_bookings_status') = 1,
  'ALTER TABLE bookings DROP CONSTRAINT ck_bookings_status',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND CONSTRAINT_NAME = 'ck_bookings_state') = 0,
  'ALTER TABLE bookings ADD CONSTRAINT ck_bookings_state CHECK (status IN (''held'', ''confirmed'', ''cancelled'', ''expired'') AND (status NOT IN (''held'', ''expired'') OR expires_at IS NOT NULL))',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- The sweeper's scan: holds whose expires_at has passed, oldest first.
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND INDEX_NAME = 'ix_bookings_expiry') = 0,
  'ALTER TABLE bookings ADD KEY ix_bookings_expiry (status, expires_at)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- 2. An Idempotency-Key names what it made: a booking (hold or not) or a waitlist entry (resource_id is then
-- the entry's id). The fingerprint of a request is (kind, event_id, quantity, hold).
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'idempotency_keys' AND COLUMN_NAME = 'kind') = 0,
  'ALTER TABLE idempotency_keys ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT ''booking'', ADD COLUMN hold TINYINT NOT NULL DEFAULT 0',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- 3. The waitlist: one row per entry. seq is the line order (AUTO_INCREMENT; entries of one event are
-- inserted under its row lock, so seq follows the order they joined). `active` is 1 while the entry waits or
-- holds an offer and NULL after: the unique key allows one active entry per user and event (NULLs never
-- collide), and any number of ended ones. booking_id is the hold made for the entry when it was offered.
CREATE TABLE IF NOT EXISTS waitlist_entries (
  seq         BIGINT        NOT NULL AUTO_INCREMENT,
  id          CHAR(36)      NOT NULL,
  event_id    CHAR(36)      NOT NULL,
  user_id     CHAR(36)      NOT NULL,
  quantity    INT           NOT NULL,
  status      VARCHAR(20)   NOT NULL DEFAULT 'waiting',
  booking_id  CHAR(36)      NULL,
  created_at  DATETIME(3)   NOT NULL,
  updated_at  DATETIME(3)   NOT NULL,
  active      TINYINT       AS (IF(status IN ('waiting', 'offered'), 1, NULL)) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY uq_waitlist_seq (seq),
  UNIQUE KEY uq_waitlist_active (event_id, user_id, active),
  -- The line of an event: its waiting entries in order.
  KEY ix_waitlist_line (event_id, status, seq),
  -- The sweeper's look for events whose line could be served (status first).
  KEY ix_waitlist_status (status, event_id, quantity),
  -- GET /waitlist, newest first, alone and by user.
  KEY ix_waitlist_user (user_id, created_at, id),
  KEY ix_waitlist_created (created_at, id),
  KEY ix_waitlist_booking (booking_id),
  CONSTRAINT fk_waitlist_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_waitlist_event FOREIGN KEY (event_id) REFERENCES events (id),
  CONSTRAINT ck_waitlist_quantity CHECK (quantity BETWEEN 1 AND 10),
  CONSTRAINT ck_waitlist_status CHECK (status IN ('waiting', 'offered', 'confirmed', 'expired', 'left')),
  CONSTRAINT ck_waitlist_offer CHECK (status NOT IN ('offered', 'confirmed', 'expired') OR booking_id IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
