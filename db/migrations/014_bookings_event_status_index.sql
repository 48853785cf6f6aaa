-- GET /bookings?eventId=&status= (and its COUNT(*)): the event's index alone (ix_bookings_event) read every
-- booking of the event to find those of one status. This one reads exactly the matching rows, in list order
-- (newest first). Re-runnable: MySQL 8 has no ADD INDEX IF NOT EXISTS (MariaDB has).
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bookings' AND INDEX_NAME = 'ix_bookings_event_status') = 0,
  'ALTER TABLE bookings ADD KEY ix_bookings_event_status (event_id, status, created_at, id)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
