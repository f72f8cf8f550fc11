-- R (repeatable): TimescaleDB hypertables, compression and the compression and retention
-- policies. `tick-ingester migrate` runs it after the numbered migrations every time, so a new
-- COMPRESS_AFTER or RETAIN_FOR replaces the policies, and tables made on plain PostgreSQL become
-- hypertables once TimescaleDB is installed. Without TimescaleDB it only checks the intervals.
--
-- The intervals come from the settings tick_ingester.compress_after and tick_ingester.retain_for
-- (PostgreSQL interval text; defaults 1 day and 7 days). `migrate` sets them from COMPRESS_AFTER
-- and RETAIN_FOR; with psql, set them first in the same session:
--   psql "$DATABASE_URL" -c "SET tick_ingester.compress_after = '2 days'" -f schema/R_timescale.sql
-- or PGOPTIONS='-c tick_ingester.compress_after=2days' psql "$DATABASE_URL" -f schema/R_timescale.sql
DO $$
DECLARE
  compress_after constant interval := coalesce(nullif(current_setting('tick_ingester.compress_after', true), ''), '1 day');
  retain_for constant interval := coalesce(nullif(current_setting('tick_ingester.retain_for', true), ''), '7 days');
  hypertable text;
  current_interval interval;
BEGIN
  IF compress_after <= interval '0' OR retain_for <= compress_after THEN
    RAISE EXCEPTION 'RETAIN_FOR (%) must be longer than COMPRESS_AFTER (%), and both positive', retain_for, compress_after;
  END IF;

  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') THEN
    IF NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb') THEN
      RAISE NOTICE 'TimescaleDB is not available on this server: plain PostgreSQL tables, no compression or retention';
      RETURN;
    END IF;
    -- What the server can do, checked first: without the preload CREATE EXTENSION ends the
    -- session with a FATAL error that no EXCEPTION block sees. The loader defines its settings,
    -- timescaledb.disable_load among them, only when it is preloaded.
    IF NOT EXISTS (SELECT FROM pg_settings WHERE name = 'timescaledb.disable_load') THEN
      RAISE EXCEPTION 'TimescaleDB is installed on this server but not preloaded, so it cannot be enabled'
        USING HINT = 'set shared_preload_libraries = ''timescaledb'' in postgresql.conf (add timescaledb to the list if other libraries are there) and restart PostgreSQL, then migrate again';
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT ((SELECT trusted FROM pg_available_extension_versions WHERE name = 'timescaledb' AND version = (
                   SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'))
                AND has_database_privilege(current_database(), 'CREATE')) THEN
      RAISE EXCEPTION 'role % may not create the timescaledb extension in database %', current_user, current_database()
        USING HINT = format('a superuser must run CREATE EXTENSION timescaledb in database %I once, or GRANT CREATE ON DATABASE %I TO %I; then migrate again',
                            current_database(), current_database(), current_user);
    END IF;
    BEGIN
      CREATE EXTENSION timescaledb;
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'TimescaleDB is installed on this server but could not be enabled: %', sqlerrm
        USING HINT = 'it must be in shared_preload_libraries, and CREATE EXTENSION timescaledb needs the right privileges';
    END;
  END IF;

  FOREACH hypertable IN ARRAY ARRAY['ticks', 'vdf_proofs', 'tick_transactions'] LOOP
    -- 1-day chunks: policies compress and drop whole chunks, so a chunk is the unit of both.
    -- migrate_data converts a table that already holds rows (made before TimescaleDB was there).
    PERFORM create_hypertable(
      hypertable::regclass,
      by_range(CASE hypertable WHEN 'ticks' THEN 'timestamp' ELSE 'tick_timestamp' END, interval '1 day'),
      create_default_indexes => false,
      if_not_exists => true,
      migrate_data => true);
  END LOOP;

  -- Compression: no segmentby. Every column either is unique per row (tick_number, the hashes,
  -- proofs, payloads) or has a handful of values (iterations, transaction_count), and segmenting
  -- by such a column would only scatter the tick-number lookups over the segments. Ordering
  -- each compressed batch by tick_number keeps its min/max, so a lookup by tick number
  -- decompresses one batch; the time column and the near-constant columns compress to a few
  -- bytes per batch in that order. Set once: compressed chunks keep the settings they had.
  IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
          WHERE hypertable_schema = current_schema() AND hypertable_name = 'ticks') THEN
    ALTER TABLE ticks SET (timescaledb.compress, timescaledb.compress_segmentby = '',
      timescaledb.compress_orderby = 'tick_number');
    ALTER TABLE vdf_proofs SET (timescaledb.compress, timescaledb.compress_segmentby = '',
      timescaledb.compress_orderby = 'tick_number');
    ALTER TABLE tick_transactions SET (timescaledb.compress, timescaledb.compress_segmentby = '',
      timescaledb.compress_orderby = 'tick_number, sequence_number');
  END IF;

  -- The policies, replaced only when their interval differs, so an unchanged re-run keeps its jobs.
  FOREACH hypertable IN ARRAY ARRAY['ticks', 'vdf_proofs', 'tick_transactions'] LOOP
    SELECT (config ->> 'compress_after')::interval INTO current_interval FROM timescaledb_information.jobs
    WHERE proc_name = 'policy_compression' AND hypertable_schema = current_schema() AND hypertable_name = hypertable;
    IF current_interval IS DISTINCT FROM compress_after THEN
      IF current_interval IS NOT NULL THEN
        PERFORM remove_compression_policy(hypertable::regclass);
      END IF;
      PERFORM add_compression_policy(hypertable::regclass, compress_after);
    END IF;

    SELECT (config ->> 'drop_after')::interval INTO current_interval FROM timescaledb_information.jobs
    WHERE proc_name = 'policy_retention' AND hypertable_schema = current_schema() AND hypertable_name = hypertable;
    IF current_interval IS DISTINCT FROM retain_for THEN
      IF current_interval IS NOT NULL THEN
        PERFORM remove_retention_policy(hypertable::regclass);
      END IF;
      PERFORM add_retention_policy(hypertable::regclass, retain_for);
    END IF;
  END LOOP;
END
$$;
