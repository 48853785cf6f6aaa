-- The X-Request-Id of the HTTP request that wrote an outbox row: the relay publishes it as the NATS message
-- header X-Request-Id, so a consumer's log line names the request that booked. NULL for rows written before.
ALTER TABLE outbox ADD COLUMN request_id VARCHAR(128) NULL;
