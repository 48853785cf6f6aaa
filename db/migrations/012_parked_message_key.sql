-- Parked messages are told apart by the message's own identity, not by its sequence alone: a stream that is
-- deleted and re-created numbers its messages from 1 again, and two nats-servers whose streams share a
-- database number theirs alike, so (consumer, stream, stream_seq) named two different messages and the second
-- poison message was taken for a redelivery of the first: acked and stored nowhere.
-- stream_time_ns is when the message entered its stream (JetStream's own timestamp, nanoseconds since the
-- epoch, as every delivery of it carries): a redelivery of a message has the same one (parked once), a
-- message of a re-created stream or of another server at the same sequence has its own. Rows parked before
-- this migration keep 0 (unknown): a redelivery of one of them would be parked a second time, never dropped.
-- Common subset of MySQL 8 and MariaDB 10.11. DDL commits implicitly, so every step is re-runnable should a
-- run die half-way: the ALTERs are prepared only when information_schema says they are still to do.

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'parked_messages' AND COLUMN_NAME = 'stream_time_ns') = 0,
  'ALTER TABLE parked_messages ADD COLUMN stream_time_ns BIGINT NOT NULL DEFAULT 0 AFTER stream_seq',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- The new key first, then the old one goes: the table is never without one.
SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'parked_messages' AND INDEX_NAME = 'uq_parked_message_at') = 0,
  'ALTER TABLE parked_messages ADD UNIQUE KEY uq_parked_message_at (consumer, stream, stream_seq, stream_time_ns)',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = IF(
  (SELECT COUNT(*) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'parked_messages' AND INDEX_NAME = 'uq_parked_message') > 0,
  'ALTER TABLE parked_messages DROP INDEX uq_parked_message',
  'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
