-- 001: the tables, their keys and indexes. Idempotent: `tick-ingester migrate` applies it once,
-- and `psql -f` can run it again without harm. Plain PostgreSQL; R_timescale.sql turns the three
-- tick tables into TimescaleDB hypertables where TimescaleDB is available.

-- Every uint64 of the wire contract (tick numbers, sequence numbers, nonces, microsecond
-- timestamps, VDF iterations) is stored exactly: bigint would wrap above 2^63-1.
-- tick_number in the three tick tables is numeric(20,0) with the same check instead: TimescaleDB
-- skips compressed batches by their min/max tick_number only on a plain column; through a domain
-- it decompresses the whole chunk to find one tick.
DO $$
BEGIN
  IF to_regtype('uint64') IS NULL THEN
    CREATE DOMAIN uint64 AS numeric(20,0) CHECK (VALUE >= 0 AND VALUE <= 18446744073709551615);
  END IF;
END
$$;

-- The three tick tables are partitioned by the tick's time in 1-day chunks (R_timescale.sql),
-- because TimescaleDB's compression and retention policies act on time: a chunk older than
-- COMPRESS_AFTER is compressed, one older than RETAIN_FOR is dropped whole.
-- TimescaleDB requires every unique key of a hypertable to contain its partitioning column, so
-- each primary key ends with the tick's timestamp. A repeated tick still collides with itself (a
-- tick's timestamp never changes), so INSERT ... ON CONFLICT DO NOTHING stores it once. Each key
-- starts with tick_number, so a tick's rows are found by tick number through the key's index.
-- No foreign keys: TimescaleDB cannot point one at a hypertable, and the three rows of a tick are
-- written in one transaction anyway.

CREATE TABLE IF NOT EXISTS ticks (
  tick_number       numeric(20,0) NOT NULL CONSTRAINT ticks_tick_number_uint64 CHECK (tick_number BETWEEN 0 AND 18446744073709551615),
  "timestamp"       timestamptz NOT NULL,
  batch_hash        text        NOT NULL,
  previous_output   text        NOT NULL,
  transaction_count integer     NOT NULL,
  ingested_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tick_number, "timestamp")
);
-- Recent ticks by time (v_recent_ticks); on TimescaleDB it also stands in for the default
-- time index, which R_timescale.sql does not create.
CREATE INDEX IF NOT EXISTS ticks_timestamp_idx ON ticks ("timestamp" DESC);

COMMENT ON TABLE ticks IS 'One row per tick of the Continuum sequencer; a hypertable on TimescaleDB, partitioned by "timestamp".';
COMMENT ON COLUMN ticks."timestamp" IS 'The tick''s timestamp from the sequencer (microsecond precision).';
COMMENT ON COLUMN ticks.previous_output IS 'VDF output of the previous tick, as the tick carries it.';
COMMENT ON COLUMN ticks.transaction_count IS 'Number of transactions in the tick, stored so that no query has to count them.';

CREATE TABLE IF NOT EXISTS vdf_proofs (
  tick_number    numeric(20,0) NOT NULL CONSTRAINT vdf_proofs_tick_number_uint64 CHECK (tick_number BETWEEN 0 AND 18446744073709551615),
  tick_timestamp timestamptz NOT NULL,
  input          text        NOT NULL,
  output         text        NOT NULL,
  proof          text        NOT NULL,
  iterations     uint64      NOT NULL,
  PRIMARY KEY (tick_number, tick_timestamp)
);

COMMENT ON TABLE vdf_proofs IS 'The VDF proof of each tick (one per tick); a hypertable on TimescaleDB, partitioned by tick_timestamp.';
COMMENT ON COLUMN vdf_proofs.tick_timestamp IS 'The tick''s timestamp, repeated here to partition by it.';

CREATE TABLE IF NOT EXISTS tick_transactions (
  tick_number         numeric(20,0) NOT NULL CONSTRAINT tick_transactions_tick_number_uint64 CHECK (tick_number BETWEEN 0 AND 18446744073709551615),
  tick_timestamp      timestamptz NOT NULL,
  sequence_number     uint64      NOT NULL,
  tx_hash             text        NOT NULL,
  tx_id               text        NOT NULL,
  payload             bytea       NOT NULL,
  signature           bytea       NOT NULL,
  public_key          bytea       NOT NULL,
  nonce               uint64      NOT NULL,
  client_timestamp    uint64      NOT NULL,
  ingestion_timestamp uint64      NOT NULL,
  PRIMARY KEY (tick_number, sequence_number, tick_timestamp)
);
-- A transaction by its hash (get_transaction_by_hash). Not unique: TimescaleDB would require the
-- partitioning column in it, and the primary key already keeps a repeated tick out.
CREATE INDEX IF NOT EXISTS tick_transactions_tx_hash_idx ON tick_transactions (tx_hash);

COMMENT ON TABLE tick_transactions IS 'The transactions of each tick, in sequence order; a hypertable on TimescaleDB, partitioned by tick_timestamp.';
COMMENT ON COLUMN tick_transactions.client_timestamp IS 'The client''s time: microseconds since the Unix epoch, as sent.';
COMMENT ON COLUMN tick_transactions.ingestion_timestamp IS 'When the sequencer took the transaction in: microseconds since the Unix epoch, as sent.';

-- What the pipeline needs to know how far it got and what it could not store.

CREATE TABLE IF NOT EXISTS ingest_checkpoints (
  stream     text        PRIMARY KEY,
  next_tick  uint64      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ingest_checkpoints IS 'Per stream: every tick below next_tick is committed (stored, rejected or recorded as a gap).';

CREATE TABLE IF NOT EXISTS ingest_ranges (
  stream       text        NOT NULL,
  first_tick   uint64      NOT NULL,
  last_tick    uint64      NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, first_tick)
);
COMMENT ON TABLE ingest_ranges IS 'The tick range of each batch committed above the stream''s checkpoint (batches commit out of order).';

CREATE TABLE IF NOT EXISTS tick_rejects (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream      text        NOT NULL,
  tick_number uint64      NULL,
  reason      text        NOT NULL,
  raw         bytea       NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tick_rejects_tick_number_idx ON tick_rejects (tick_number);
COMMENT ON TABLE tick_rejects IS 'Messages that could not be stored as ticks, kept raw with the reason; tick_number is NULL when it could not be read.';

CREATE TABLE IF NOT EXISTS tick_gaps (
  stream      text        NOT NULL,
  first_tick  uint64      NOT NULL,
  last_tick   uint64      NOT NULL,
  reason      text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, first_tick)
);
COMMENT ON TABLE tick_gaps IS 'Tick ranges the stream skipped, and why.';

CREATE TABLE IF NOT EXISTS chain_breaks (
  stream                   text        NOT NULL,
  tick_number              uint64      NOT NULL,
  expected_previous_output text        NOT NULL,
  previous_output          text        NOT NULL,
  recorded_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, tick_number)
);
COMMENT ON TABLE chain_breaks IS 'Ticks whose previous_output is not the VDF output of the tick before them.';
