-- Users of user-service. Written in the MySQL 8 / MariaDB 10.11 common subset.
-- Ids are UUID strings made by the services; timestamps are UTC, written by the services.
CREATE TABLE IF NOT EXISTS users (
  id          CHAR(36)     NOT NULL,
  name        VARCHAR(200) NOT NULL,
  -- Stored lower-cased by the service; the unique key is the last word on duplicates.
  email       VARCHAR(254) NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_email (email),
  KEY ix_users_created (created_at, id),
  CONSTRAINT ck_users_name CHECK (CHAR_LENGTH(name) BETWEEN 1 AND 200),
  CONSTRAINT ck_users_email_lower CHECK (email = LOWER(email))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
