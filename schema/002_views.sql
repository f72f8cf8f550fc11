-- 002: the seed's views and lookup functions, over the tables of 001. Idempotent (CREATE OR
-- REPLACE). Each finds one tick or one transaction through keys and indexes, also in compressed
-- chunks: the transaction count is a stored column, not a count over tick_transactions, and
-- every join is a lookup per row. A LATERAL subquery with LIMIT 1 cannot be flattened into a
-- plain join, so the planner cannot choose to hash a whole chunk of proofs or ticks to join a
-- few rows; the primary key means LIMIT 1 drops nothing.

-- Client timestamps are uint64 microseconds as sent; one beyond the year 9999 shows as NULL
-- rather than failing the whole query.
CREATE OR REPLACE FUNCTION micros_to_timestamptz(micros uint64) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE WHEN micros < 253402300800000000
    THEN timestamptz 'epoch' + (micros::bigint / 1000000) * interval '1 second' + (micros::bigint % 1000000) * interval '1 microsecond'
  END
$$;

CREATE OR REPLACE VIEW v_ticks_complete AS
SELECT
  t.tick_number,
  t."timestamp",
  t.batch_hash,
  p.input AS vdf_input,
  p.output AS vdf_output,
  p.proof AS vdf_proof,
  p.iterations AS vdf_iterations,
  t.transaction_count,
  t.previous_output,
  t.ingested_at
FROM ticks t
LEFT JOIN LATERAL (
  SELECT * FROM vdf_proofs p
  WHERE p.tick_number = t.tick_number AND p.tick_timestamp = t."timestamp"
  LIMIT 1
) p ON true;

-- The latest 1000 ticks, newest first: read backwards along ticks_timestamp_idx from the newest
-- chunk, stopping after 1000.
CREATE OR REPLACE VIEW v_recent_ticks AS
SELECT * FROM v_ticks_complete
ORDER BY "timestamp" DESC
LIMIT 1000;

CREATE OR REPLACE VIEW v_transaction_details AS
SELECT
  tx.tx_hash,
  tx.tx_id,
  tx.tick_number,
  tx.tick_timestamp,
  tx.sequence_number,
  tx.payload,
  tx.signature,
  tx.public_key,
  tx.nonce,
  micros_to_timestamptz(tx.client_timestamp) AS "timestamp",
  tx.client_timestamp,
  tx.ingestion_timestamp,
  t.batch_hash AS tick_batch_hash,
  t.transaction_count AS tick_transaction_count
FROM tick_transactions tx
LEFT JOIN LATERAL (
  SELECT * FROM ticks t
  WHERE t.tick_number = tx.tick_number AND t."timestamp" = tx.tick_timestamp
  LIMIT 1
) t ON true;

-- PL/pgSQL, not an inlined SQL function: inlined, the uint64 argument stays a domain coercion
-- that TimescaleDB cannot match against compressed batches' min/max tick_number, and every
-- compressed chunk would be decompressed; here it arrives as a plain value.
CREATE OR REPLACE FUNCTION get_tick_by_number(p_tick_number uint64) RETURNS SETOF v_ticks_complete
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN QUERY SELECT * FROM v_ticks_complete v WHERE v.tick_number = p_tick_number;
END
$$;

-- Found through tick_transactions_tx_hash_idx, and in compressed chunks through the bloom filter
-- TimescaleDB keeps for that indexed column.
CREATE OR REPLACE FUNCTION get_transaction_by_hash(p_tx_hash text) RETURNS SETOF v_transaction_details
LANGUAGE sql STABLE
AS $$
  SELECT * FROM v_transaction_details v WHERE v.tx_hash = p_tx_hash ORDER BY v.tick_number, v.sequence_number
$$;
