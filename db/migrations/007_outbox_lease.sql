-- Outbox claims become leases (issue 14 item 6): the relay marks the rows it takes with its id and an expiry
-- in a short transaction, commits, and only then publishes, so a slow NATS never holds MySQL row locks.
-- A row whose lease ran out (the relay died mid-publish) is due again; JetStream's duplicate window drops
-- a second publish of a message that did make it.
ALTER TABLE outbox
  ADD COLUMN claimed_by   VARCHAR(100) NULL AFTER next_attempt_at,
  ADD COLUMN claim_until  DATETIME(3)  NULL AFTER claimed_by;
