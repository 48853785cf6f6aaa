-- Accounts (issue 12): a password hash and a role per user, and failed logins counted across replicas.
-- Users made before this migration keep a NULL hash: they cannot log in until they get one.
ALTER TABLE users
  ADD COLUMN password_hash VARCHAR(255) NULL AFTER email,
  ADD COLUMN role VARCHAR(20) NOT NULL DEFAULT 'customer' AFTER password_hash,
  ADD CONSTRAINT ck_users_role CHECK (role IN ('customer', 'admin'));

-- One row per failed (or in-flight) login for an email; POST /auth/token counts the rows of the last
-- 15 minutes. login_gates holds one row per email that ever tried: its row lock orders the attempts for that
-- email across replicas, so the count and the new row are decided one attempt at a time.
CREATE TABLE IF NOT EXISTS login_gates (
  email      VARCHAR(254)  NOT NULL,
  PRIMARY KEY (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS login_failures (
  id         BIGINT        NOT NULL AUTO_INCREMENT,
  email      VARCHAR(254)  NOT NULL,
  failed_at  DATETIME(3)   NOT NULL,
  PRIMARY KEY (id),
  KEY ix_login_failures_email (email, failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
