// The TimescaleDB half of `bun run bench`: the throughput and COPY-limit runs again on a TimescaleDB
// server (hypertables with compression and retention policies, as migrate makes them), and a
// catch-up: ticks three days old written into a chunk that is already compressed.
import type postgres from "postgres";
import type { Workload } from "../../src/simulator/index.ts";
import type { IngestResult } from "./ingest-run.ts";
import type { LatencyResult } from "./latency.ts";
import type { LimitResult } from "./results.ts";
import { FIRST_TICK } from "./workload-ticks.ts";

export interface CatchUpState {
  /** Chunks of the three tables that were compressed before the run, and still are. */
  compressedChunks: number;
  /** Of those, the ones written to since (TimescaleDB's partial flag). */
  writtenSinceCompressed: number;
}

export interface TimescaleResults {
  settings: Record<string, string>;
  throughput: Record<Workload, IngestResult<undefined>>;
  peer: Record<Workload, IngestResult<undefined>>;
  limits: Record<Workload, LimitResult>;
  /** Sparse at the production rate (1,000 ticks/s). */
  productionLatency: IngestResult<LatencyResult>;
  catchUp: IngestResult<CatchUpState>;
}

const DAY_MS = 86_400_000;
/** Ticks stored before the outage, in the chunk the catch-up then writes into. */
const EARLIER_TICKS = 10_000;

/** 01:00 UTC three days ago: the run's ticks, 1 ms apart, stay in that day's chunk. */
export function catchUpGenesis(): bigint {
  const day = Math.floor(Date.now() / DAY_MS) - 3;
  return BigInt(day * DAY_MS + 3_600_000) * 1000n;
}

/** The ticks before the outage (numbers below FIRST_TICK, the seconds before genesis), their
 * chunks compressed as the compression policy would have done. */
export async function compressedChunkBefore(sql: postgres.Sql, genesisMicros: bigint) {
  const genesis = new Date(Number(genesisMicros / 1000n));
  await sql`INSERT INTO ticks SELECT ${(FIRST_TICK - BigInt(EARLIER_TICKS)).toString()}::numeric + i,
              ${genesis}::timestamptz - (${EARLIER_TICKS} - i) * interval '1 ms', md5(i::text) || md5(i::text), md5((i - 1)::text), 0
            FROM generate_series(0, ${EARLIER_TICKS - 1}) i`;
  await sql`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", previous_output, md5(batch_hash), repeat(batch_hash, 4), 1000000 FROM ticks`;
  await sql`INSERT INTO tick_transactions SELECT tick_number, "timestamp", 0, md5(batch_hash), 'tx', '\\x00', '\\x01', '\\x02', 0, 1, 2
            FROM ticks WHERE tick_number % 500 = 0`;
  for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
    await sql`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks(${table}::regclass) c`;
  }
}

export async function catchUpState(sql: postgres.Sql): Promise<CatchUpState> {
  const [row] = await sql`
    SELECT count(*) FILTER (WHERE c.status & 1 <> 0)::int AS compressed, count(*) FILTER (WHERE c.status & 9 = 9)::int AS partial
    FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
    WHERE h.table_name IN ('ticks', 'vdf_proofs', 'tick_transactions')`;
  return { compressedChunks: row!.compressed, writtenSinceCompressed: row!.partial };
}
