-- 003: who may write a stream. Two ingesters with the same SERVICE_NAME may run against one
-- database: the one holding the stream's PostgreSQL advisory lock writes, the other waits as a
-- standby. Taking over bumps the stream's epoch, and every batch transaction first checks (FOR
-- SHARE) that its epoch is still current: a writer that lost the lock without noticing cannot
-- commit anything after the new writer has read the checkpoint.
CREATE TABLE IF NOT EXISTS ingest_leases (
  stream      text        PRIMARY KEY,
  epoch       bigint      NOT NULL,
  holder      text        NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ingest_leases IS 'The current writer of each stream and its epoch; batches of an older epoch are refused.';
