-- Login throttle per email and client address (issue 27 item 5). Each failed (or in-flight) login now names the
-- client address it came from, so POST /auth/token can count failures per email and address (the owner is not
-- locked out by a stranger elsewhere), per email over all addresses, and per address over all emails.
-- login_address_gates does for an address what login_gates does for an email: its row lock orders the
-- attempts from that address across replicas. Rows written before this migration have client_addr ''.
-- failed_at alone is indexed for the purge of old rows. Re-runnable: MySQL 8 has no ADD COLUMN/KEY IF NOT
-- EXISTS (MariaDB has).
CREATE TABLE IF NOT EXISTS login_address_gates (
  client_addr VARCHAR(64) NOT NULL,
  PRIMARY KEY (client_addr)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'login_failures' AND COLUMN_NAME = 'client_addr') = 0,
  'ALTER TABLE login_failures ADD COLUMN client_addr VARCHAR(64) NOT NULL DEFAULT '''' AFTER email',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'login_failures' AND INDEX_NAME = 'ix_login_failures_addr') = 0,
  'ALTER TABLE login_failures ADD KEY ix_login_failures_addr (client_addr, failed_at)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'login_failures' AND INDEX_NAME = 'ix_login_failures_failed_at') = 0,
  'ALTER TABLE login_failures ADD KEY ix_login_failures_failed_at (failed_at)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
