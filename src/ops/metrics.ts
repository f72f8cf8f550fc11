// The Prometheus metrics: the four that dashboards of this service already query, under their
// names, and what an operator needs to see whether every tick arrives, how far behind the database is and where the time goes.
// Each call makes its own Registry (not prom-client's global one), so tests can make several.
import { collectDefaultMetrics, Counter, type CounterConfiguration, Gauge, Histogram, Registry } from "prom-client";
import pkg from "../../package.json" with { type: "json" };

/** The tables one batch writes rows to (one transaction over the three tick tables). */
export type TableName = "ticks" | "vdf_proofs" | "tick_transactions";
const TABLES: TableName[] = ["ticks", "vdf_proofs", "tick_transactions"];

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BATCH_BUCKETS = [1, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000];

export interface Metrics {
  registry: Registry;
  /** tick_ingester_ticks_total{status}: ticks committed (success) or lost to an error. */
  ticks: Counter<"status">;
  bufferSize: Gauge;
  bufferCapacity: Gauge;
  bufferBytes: Gauge;
  writeDuration: Histogram;
  reconnects: Counter;
  /** A float: exact up to 2^53 (9,007,199,254,740,992), the nearest double above. */
  lastCommittedTick: Gauge;
  /** Observes the histogram and sets the latest-value gauge together. */
  commitLag: { observe(seconds: number): void };
  rows: Counter<"table">;
  batchSize: Histogram;
  /** reason: a short code such as decode_error; never free text, or the series multiply. */
  rejects: Counter<"reason">;
  gapTicks: Counter;
  chainBreaks: Counter;
  duplicates: Counter;
  writeRetries: Counter;
  /** 0 when no batch waits for its commit. */
  oldestUncommittedBatch: Gauge;
  /** code: the gRPC status name. */
  getTickFailures: Counter<"code">;
  /** kind: zero, expired (older than RETAIN_FOR) or future; counted per tick, so counted cheaply. */
  untimelyTicks: { inc(kind: string): void };
}

/**
 * A labelled counter whose counts are kept as plain numbers and added to it when it is scraped:
 * prom-client's inc() with a label costs about a microsecond, which the stream's thread would pay
 * for every tick of a catch-up through expired ticks (bench/RESULTS.md, issue 17).
 */
function countedAtScrape(configuration: CounterConfiguration<"kind">) {
  const pending = new Map<string, number>();
  new Counter({
    ...configuration,
    collect() {
      for (const [kind, count] of pending) this.inc({ kind }, count);
      pending.clear();
    },
  });
  return { inc: (kind: string) => void pending.set(kind, (pending.get(kind) ?? 0) + 1) };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // Standard process_* and nodejs_* names: the ones existing process dashboards query.
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters (promtool rejects them); each repeats the sum of its unsuffixed twin.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }
  // Bun computes heap space statistics by walking the whole heap: 75 ms with two million objects,
  // and about 33 ms per scrape of a busy ingester, all of it on the thread that reads the stream.
  // nodejs_heap_size_* (from process.memoryUsage, cheap) stay.
  for (const kind of ["total", "used", "available"]) registry.removeSingleMetric(`nodejs_heap_space_size_${kind}_bytes`);

  new Gauge({
    name: "tick_ingester_build_info",
    help: "Always 1; the version label names the running release",
    labelNames: ["version"],
    registers,
  }).set({ version: pkg.version }, 1);

  const ticks = new Counter({
    name: "tick_ingester_ticks_total",
    help: "Ticks processed, by outcome: success (committed) or error",
    labelNames: ["status"],
    registers,
  });
  ticks.inc({ status: "success" }, 0);
  ticks.inc({ status: "error" }, 0);

  const rows = new Counter({
    name: "tick_ingester_rows_total",
    help: "Rows committed, by table",
    labelNames: ["table"],
    registers,
  });
  for (const table of TABLES) rows.inc({ table }, 0);

  const commitLagHistogram = new Histogram({
    name: "tick_ingester_commit_lag_seconds",
    help: "Time from a tick's timestamp to the commit of its batch",
    buckets: LAG_BUCKETS,
    registers,
  });
  const lastCommitLag = new Gauge({
    name: "tick_ingester_last_commit_lag_seconds",
    help: "Time from the timestamp of the last committed batch's newest tick to its commit",
    registers,
  });

  return {
    registry,
    ticks,
    bufferSize: new Gauge({ name: "tick_ingester_buffer_size", help: "Ticks waiting in the pipeline's buffer", registers }),
    bufferCapacity: new Gauge({ name: "tick_ingester_buffer_capacity", help: "Capacity of the tick buffer (BUFFER_SIZE)", registers }),
    untimelyTicks: countedAtScrape({
      name: "tick_ingester_untimely_ticks_total",
      help: "Ticks stored with a timestamp of 0, older than RETAIN_FOR (retention drops them) or in the future",
      labelNames: ["kind"],
      registers,
    }),
    getTickFailures: new Counter({
      name: "tick_ingester_get_tick_failures_total",
      help: "GetTick calls that failed (and were retried), by gRPC status",
      labelNames: ["code"],
      registers,
    }),
    bufferBytes: new Gauge({
      name: "tick_ingester_buffer_bytes",
      help: "Bytes of tick messages and rejects in the pipeline, not yet committed (bounded by BUFFER_BYTES)",
      registers,
    }),
    writeDuration: new Histogram({
      name: "tick_ingester_write_duration_seconds",
      help: "Duration of one batch's database transaction (all three COPYs and the commit)",
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    reconnects: new Counter({ name: "tick_ingester_grpc_reconnects_total", help: "Reconnections of the gRPC tick stream", registers }),
    lastCommittedTick: new Gauge({
      name: "tick_ingester_last_committed_tick",
      help: "Last committed tick number (the committed progress); a float, approximate above 2^53",
      registers,
    }),
    commitLag: {
      observe(seconds: number) {
        commitLagHistogram.observe(seconds);
        lastCommitLag.set(seconds);
      },
    },
    rows,
    batchSize: new Histogram({
      name: "tick_ingester_batch_size_ticks",
      help: "Ticks per committed batch",
      buckets: BATCH_BUCKETS,
      registers,
    }),
    rejects: new Counter({
      name: "tick_ingester_rejects_total",
      help: "Ticks rejected as invalid, by reason code",
      labelNames: ["reason"],
      registers,
    }),
    gapTicks: new Counter({
      name: "tick_ingester_gap_ticks_total",
      help: "Tick numbers missing from the stream (sum of gap sizes)",
      registers,
    }),
    chainBreaks: new Counter({
      name: "tick_ingester_chain_breaks_total",
      help: "Ticks whose VDF input does not follow from the previous tick's output",
      registers,
    }),
    duplicates: new Counter({
      name: "tick_ingester_duplicates_skipped_total",
      help: "Ticks received again after they were committed, and skipped",
      registers,
    }),
    writeRetries: new Counter({
      name: "tick_ingester_write_retries_total",
      help: "Failed batch write attempts, counted as they fail (each is retried)",
      registers,
    }),
    oldestUncommittedBatch: new Gauge({
      name: "tick_ingester_oldest_uncommitted_batch_seconds",
      help: "Age of the oldest batch handed to a writer and not yet committed (0: none waits)",
      registers,
    }),
  };
}
