// Latency from a tick's timestamp to its commit, per tick, read back from the database after a
// run at a fixed rate, where the simulator produces each tick at its own timestamp (real time).
// Commit time: pg_xact_commit_timestamp(xmin) of the row (track_commit_timestamp=on), the real
// commit. ticks.ingested_at is now() at the start of the batch's transaction, earlier than the
// commit by the time the three COPYs take; both are reported.
import type postgres from "postgres";
import type { Workload } from "../../src/simulator/index.ts";
import { runIngest } from "./ingest-run.ts";
import type { Stack } from "./stack.ts";
import { nowMicros } from "./workload-ticks.ts";

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface LatencyResult {
  /** Ticks whose timestamps fall in the window, and how many of them are stored. */
  expected: number;
  stored: number;
  /** Seconds from the tick's timestamp to the commit of its transaction. */
  commit: Percentiles;
  /** Seconds from the tick's timestamp to ingested_at (its transaction's start). */
  ingestedAt: Percentiles;
}

/** The ticks stamped in the `measureSeconds` from `fromMicros` on: their latencies. */
export function latencyOf(fromMicros: bigint, measureSeconds: number, rate: number) {
  return async (sql: postgres.Sql): Promise<LatencyResult> => {
    const toMicros = fromMicros + BigInt(measureSeconds * 1_000_000);
    const from = new Date(Number(fromMicros / 1000n));
    const to = new Date(Number(toMicros / 1000n));
    const [row] = await sql`
      WITH window_ticks AS (
        SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin) - "timestamp")::float8 AS commit,
               extract(epoch FROM ingested_at - "timestamp")::float8 AS ingested
        FROM ticks WHERE "timestamp" >= ${from} AND "timestamp" < ${to})
      SELECT count(*)::int AS stored,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY commit) AS commit_p50,
             percentile_disc(0.99) WITHIN GROUP (ORDER BY commit) AS commit_p99,
             max(commit) AS commit_max,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY ingested) AS ingested_p50,
             percentile_disc(0.99) WITHIN GROUP (ORDER BY ingested) AS ingested_p99,
             max(ingested) AS ingested_max
      FROM window_ticks`;
    const r = row!;
    return {
      expected: Math.round((Number(toMicros - fromMicros) / 1e6) * rate),
      stored: r.stored,
      commit: { p50: r.commit_p50, p99: r.commit_p99, max: r.commit_max },
      ingestedAt: { p50: r.ingested_p50, p99: r.ingested_p99, max: r.ingested_max },
    };
  };
}

/**
 * The simulator produces each tick at its timestamp from 5 s from now, by when the ingester is
 * connected and waiting. The window is in tick time: the ticks stamped from the warm-up's end on
 * (the ingester may commit the first tick before that time comes), and the run goes on until every
 * tick stamped before the window's end has committed.
 */
export function measureLatency(
  stack: Stack,
  options: { workload: Workload; rate: number; warmupSeconds: number; measureSeconds: number; ingesterCommand?: string[] },
) {
  const { rate, warmupSeconds, measureSeconds } = options;
  const genesisMicros = nowMicros() + 5_000_000n;
  return runIngest(stack, {
    ...options,
    genesisMicros,
    warmupSeconds: 5 + warmupSeconds,
    settleTicks: () => Math.ceil((warmupSeconds + measureSeconds) * rate) + 1,
    inspect: latencyOf(genesisMicros + BigInt(warmupSeconds * 1_000_000), measureSeconds, rate),
  });
}
