-- Transactional outbox of booking-service: a row is inserted in the booking's transaction and
-- published to JetStream by the relay after commit. Claimed with FOR UPDATE SKIP LOCKED
-- (MySQL 8.0.1+, MariaDB 10.6+) so replicas share the work.
-- payload is TEXT holding JSON rather than the JSON type: MariaDB's JSON is a LONGTEXT alias that
-- mysql2 returns as a string while MySQL 8 returns an object; TEXT behaves the same on both.
CREATE TABLE IF NOT EXISTS outbox (
  id               BIGINT        NOT NULL AUTO_INCREMENT,
  msg_id           VARCHAR(100)  NOT NULL,
  subject          VARCHAR(100)  NOT NULL,
  payload          TEXT          NOT NULL,
  created_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  published_at     DATETIME(3)   NULL,
  attempts         INT           NOT NULL DEFAULT 0,
  next_attempt_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_error       VARCHAR(500)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_outbox_msg (msg_id),
  -- The relay claims `published_at IS NULL ORDER BY id LIMIT n`: this index serves it in order, so a claim
  -- locks only the rows it takes and other replicas skip exactly those.
  KEY ix_outbox_pending (published_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
