-- Booking lifecycle (booking-service): cancellation and Idempotency-Key on POST /bookings.
-- Common subset of MySQL 8 and MariaDB 10.11. The runner applies a file once, but DDL commits implicitly,
-- so every step is re-runnable should a run die half-way: MySQL 8 has no ADD COLUMN / ADD INDEX
-- IF NOT EXISTS (MariaDB has), so the ALTERs below are prepared only when information_schema says the
-- column or index is still missing.

-- 1. When a booking was cancelled (NULL while it is confirmed). Set in the cancel's transaction.
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND COLUMN_NAME = 'cancelled_at') = 0,
  'ALTER TABLE bookings ADD COLUMN cancelled_at DATETIME(3) NULL',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- A cancelled booking says when; a confirmed one has no cancelled_at (the schema refuses anything else).
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND CONSTRAINT_NAME = 'ck_bookings_cancelled_at') = 0,
  'ALTER TABLE bookings ADD CONSTRAINT ck_bookings_cancelled_at CHECK ((status = ''cancelled'') = (cancelled_at IS NOT NULL))',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- 2. GET /bookings?status= alone and with ?userId= (a customer's own list), ending in the list order (newest
-- first). With ?eventId= the event's index narrows enough; each more index costs every booking insert.
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND INDEX_NAME = 'ix_bookings_status') = 0,
  'ALTER TABLE bookings ADD KEY ix_bookings_status (status, created_at, id)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND INDEX_NAME = 'ix_bookings_user_status') = 0,
  'ALTER TABLE bookings ADD KEY ix_bookings_user_status (user_id, status, created_at, id)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- 3. Idempotency keys of POST /bookings, scoped to the user the booking is for. A row is inserted in the
-- booking's own transaction (so it exists exactly when the booking does: refused attempts leave none);
-- the primary key makes a second booking with the same key impossible, on any replica. The request's
-- fingerprint (event_id, quantity) tells a retry (same body: replay) from a misuse (422).
-- Rows older than 24 h count as absent and are purged in batches (ix_idempotency_keys_created).
-- No foreign keys: a purge must never wait on, or be refused by, the bookings table.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  user_id     CHAR(36)      NOT NULL,
  idem_key    VARCHAR(255)  NOT NULL,
  event_id    CHAR(36)      NOT NULL,
  quantity    INT           NOT NULL,
  booking_id  CHAR(36)      NOT NULL,
  created_at  DATETIME(3)   NOT NULL,
  PRIMARY KEY (user_id, idem_key),
  KEY ix_idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
