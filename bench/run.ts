// `bun run bench [--quick] [--out FILE] [--fsync]`: the ingester's benchmark. Builds the binary,
// starts a throwaway PostgreSQL server and, for the sparse and heavy workloads, measures the
// ingester against the simulator (unthrottled), the same rows loaded by psql \copy (the limit),
// latency at a fixed rate, the simulator alone and the per-tick work; then a sweep over
// BATCH_SIZE x WORKER_COUNT. Then the throughput and the limit again on a TimescaleDB server
// (hypertables), and a catch-up into a compressed chunk. Writes bench/RESULTS.md (--quick: a file
// under /tmp) and a chart.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { Workload } from "../src/simulator/index.ts";
import { measurePerTick } from "./per-tick.ts";
import { loadCopyFiles, prepareCopyFiles, psqlPath } from "./support/copy-limit.ts";
import { runIngest } from "./support/ingest-run.ts";
import { measureLatency } from "./support/latency.ts";
import { describeMachine } from "./support/machine.ts";
import { loadAverage } from "./support/proc-stats.ts";
import { heavyLatencyRate, planFor } from "./support/plan.ts";
import { renderChart, renderResults } from "./support/report.ts";
import type { BenchResults, LimitResult } from "./support/results.ts";
import { measureSimulator } from "./support/simulator-ceiling.ts";
import { startStack, scratchDatabase, type Stack } from "./support/stack.ts";
import { catchUpGenesis, catchUpState, compressedChunkBefore, type TimescaleResults } from "./support/timescale.ts";
import { nowMicros } from "./support/workload-ticks.ts";

const WORKLOADS: Workload[] = ["sparse", "heavy"];
/** The sequencer's rate in production, ticks per second. */
const PRODUCTION_RATE = 1_000;
const root = join(import.meta.dir, "..");
const work = "/tmp/tick-ingester-bench";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    fsync: { type: "boolean", default: false },
  },
});
const plan = planFor(values.quick!);
const out = values.out ?? (plan.quick ? join(work, "RESULTS-quick.md") : join(root, "bench/RESULTS.md"));
const started = performance.now();
const log = (message: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}`);
const rounded = (n: number) => Math.round(n).toLocaleString("en-US");

log(`building bin/tick-ingester`);
const build = Bun.spawnSync(["bun", "run", "build"], { cwd: root, stdout: "pipe", stderr: "pipe" });
if (build.exitCode !== 0) throw new Error(`bun run build failed:\n${build.stderr.toString()}`);
if (!psqlPath()) {
  log(
    "psql not found: the limit is loaded with postgres.js COPY from the same files instead. For psql \\copy: apt-get install -y postgresql-client",
  );
}
mkdirSync(work, { recursive: true });

const loadBefore = loadAverage();
const stack = await startStack(join(root, "bin/tick-ingester"), { fsync: values.fsync! });
log(`PostgreSQL ${stack.settings.server_version} on port ${stack.pg.port} (fsync=${stack.settings.fsync}); load average ${loadBefore}`);
try {
  const perTick = {} as BenchResults["perTick"];
  const ceilings = {} as BenchResults["ceilings"];
  const throughput = {} as BenchResults["throughput"];
  const peer = {} as BenchResults["peer"];
  const limits = {} as BenchResults["limits"];
  const latency = {} as BenchResults["latency"];

  for (const workload of WORKLOADS) {
    log(`${workload}: per-tick work`);
    perTick[workload] = measurePerTick(workload, plan.perTickTicks[workload]);
  }
  for (const workload of WORKLOADS) {
    log(`${workload}: the simulator alone, ${plan.ceilingSeconds} s`);
    ceilings[workload] = await measureSimulator({ workload, seconds: plan.ceilingSeconds, decode: false, command: [stack.binary] });
    log(`  ${rounded(ceilings[workload].ticksPerSecond)} ticks/s`);
  }
  for (const workload of WORKLOADS) {
    log(`${workload}: ingester with default settings, ${plan.warmupSeconds} s warm-up + ${plan.measureSeconds} s`);
    throughput[workload] = await runIngest(stack, {
      workload,
      rate: 0,
      genesisMicros: nowMicros(),
      warmupSeconds: plan.warmupSeconds,
      measureSeconds: plan.measureSeconds,
    });
    log(`  ${rounded(throughput[workload].ticksPerSecond)} ticks/s, ${rounded(throughput[workload].rowsPerSecond)} rows/s`);
    log(`${workload}: the peer ingester (bench/peer-ingester.ts), ${plan.warmupSeconds} s warm-up + ${plan.measureSeconds} s`);
    peer[workload] = await measurePeer(stack, workload);
    log(`  ${rounded(peer[workload].ticksPerSecond)} ticks/s`);
  }
  for (const workload of WORKLOADS) {
    limits[workload] = await measureLimit(stack, workload, throughput[workload].stored.ticks);
    log(`  limit ${rounded(limits[workload].best.ticksPerSecond)} ticks/s (${limits[workload].best.connections} connection(s))`);
  }
  for (const workload of WORKLOADS) {
    const rate = workload === "sparse" ? plan.latencyRate : heavyLatencyRate(plan, throughput.heavy.ticksPerSecond);
    log(`${workload}: latency at ${rounded(rate)} ticks/s`);
    latency[workload] = await measureLatency(stack, {
      workload,
      rate,
      warmupSeconds: plan.warmupSeconds,
      measureSeconds: plan.measureSeconds,
    });
    const { commit } = latency[workload].inspected;
    log(`  p50 ${(commit.p50 * 1000).toFixed(1)} ms, p99 ${(commit.p99 * 1000).toFixed(1)} ms, max ${(commit.max * 1000).toFixed(1)} ms`);
  }
  const sweep: BenchResults["sweep"] = [];
  for (const batchSize of plan.sweep?.batchSizes ?? []) {
    for (const workers of plan.sweep!.workerCounts) {
      log(`sweep: BATCH_SIZE=${batchSize} WORKER_COUNT=${workers}`);
      const env = { BATCH_SIZE: String(batchSize), WORKER_COUNT: String(workers) };
      const result = await runIngest(stack, {
        workload: "sparse",
        rate: 0,
        genesisMicros: nowMicros(),
        env,
        warmupSeconds: plan.sweep!.warmupSeconds,
        measureSeconds: plan.sweep!.measureSeconds,
      });
      sweep.push(result);
      log(`  ${rounded(result.ticksPerSecond)} ticks/s`);
    }
  }

  const timescale = await measureTimescale();

  const results: BenchResults = {
    date: new Date().toISOString(),
    plan,
    machine: describeMachine(),
    postgres: stack.settings,
    commands: [`bun run bench${plan.quick ? " --quick" : ""}${values.fsync ? " --fsync" : ""}`],
    loadAverage: { before: loadBefore, after: loadAverage() },
    elapsedSeconds: (performance.now() - started) / 1000,
    perTick,
    ceilings,
    throughput,
    peer,
    limits,
    latency,
    sweep,
    timescale,
  };
  const raw = join(work, plan.quick ? "results-quick.json" : "results.json");
  writeFileSync(
    raw,
    JSON.stringify(results, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2),
  );
  const chart = join(dirname(out), plan.quick ? "throughput-quick.svg" : "throughput.svg");
  writeFileSync(chart, renderChart(results));
  await renderResults(results, out, chart);
  log(`wrote ${out} and ${chart} (raw figures: ${raw})`);
} finally {
  await stack.pg.destroy();
}

/** The throughput and limit runs on TimescaleDB, and the catch-up into a compressed chunk. */
async function measureTimescale(): Promise<TimescaleResults> {
  const ts = await startStack(stack.binary, { fsync: values.fsync!, timescale: true });
  log(`TimescaleDB: PostgreSQL ${ts.settings.server_version} on port ${ts.pg.port}`);
  try {
    const throughput = {} as TimescaleResults["throughput"];
    const peer = {} as TimescaleResults["peer"];
    const limits = {} as TimescaleResults["limits"];
    for (const workload of WORKLOADS) {
      log(`TimescaleDB, ${workload}: ingester with default settings, ${plan.warmupSeconds} s warm-up + ${plan.measureSeconds} s`);
      throughput[workload] = await runIngest(ts, {
        workload,
        rate: 0,
        genesisMicros: nowMicros(),
        warmupSeconds: plan.warmupSeconds,
        measureSeconds: plan.measureSeconds,
      });
      log(`  ${rounded(throughput[workload].ticksPerSecond)} ticks/s`);
      log(`TimescaleDB, ${workload}: the peer ingester`);
      peer[workload] = await measurePeer(ts, workload);
      log(`  ${rounded(peer[workload].ticksPerSecond)} ticks/s`);
    }
    log(`TimescaleDB, sparse: latency at the production rate, ${rounded(PRODUCTION_RATE)} ticks/s`);
    const productionLatency = await measureLatency(ts, {
      workload: "sparse",
      rate: PRODUCTION_RATE,
      warmupSeconds: plan.warmupSeconds,
      measureSeconds: plan.measureSeconds,
    });
    log(
      `  p50 ${(productionLatency.inspected.commit.p50 * 1000).toFixed(1)} ms, p99 ${(productionLatency.inspected.commit.p99 * 1000).toFixed(1)} ms`,
    );
    for (const workload of WORKLOADS) {
      limits[workload] = await measureLimit(ts, workload, throughput[workload].stored.ticks);
      log(`  TimescaleDB limit ${rounded(limits[workload].best.ticksPerSecond)} ticks/s`);
    }
    log(`TimescaleDB, sparse: catch-up into a compressed chunk, ${plan.warmupSeconds} s warm-up + ${plan.measureSeconds} s`);
    const genesisMicros = catchUpGenesis();
    const catchUp = await runIngest(ts, {
      workload: "sparse",
      rate: 0,
      genesisMicros,
      warmupSeconds: plan.warmupSeconds,
      measureSeconds: plan.measureSeconds,
      prepare: (sql) => compressedChunkBefore(sql, genesisMicros),
      inspect: catchUpState,
    });
    log(`  ${rounded(catchUp.ticksPerSecond)} ticks/s`);
    return { settings: ts.settings, throughput, peer, limits, productionLatency, catchUp };
  } finally {
    await ts.pg.destroy();
  }
}

/**
 * The COPY limit for as many ticks as the ingester stored in its throughput run: PostgreSQL's cost
 * per row grows with the tables (heavy, two connections: 13.95 s per 100k ticks for 60,000 ticks,
 * 15.83 s for 220,000, whose tick_transactions indexes outgrow shared_buffers), so only tables of
 * the same size compare.
 */
async function measureLimit(stack: Stack, workload: Workload, ticks: number): Promise<LimitResult> {
  const dir = join(work, "copy");
  log(`${workload}: writing ${rounded(ticks)} ticks as COPY files`);
  const files = await prepareCopyFiles(workload, nowMicros(), ticks, 2, dir);
  try {
    const loads = [];
    for (const connections of [1, 2]) {
      log(`${workload}: loading them with ${connections} connection(s)`);
      const database = await scratchDatabase(stack);
      try {
        loads.push(await loadCopyFiles(database.url, files, connections, stack.postmasterPid));
      } finally {
        await database.drop();
      }
    }
    const best = loads.reduce((a, b) => (b.ticksPerSecond > a.ticksPerSecond ? b : a));
    return { ticks, rows: files.rows, megabytes: files.bytes / 1e6, prepareSeconds: files.prepareSeconds, loads, best };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The straightforward ingester of bench/peer-ingester.ts, on the same stack, stream and settings. */
function measurePeer(stack: Stack, workload: Workload) {
  return runIngest(stack, {
    workload,
    rate: 0,
    genesisMicros: nowMicros(),
    warmupSeconds: plan.warmupSeconds,
    measureSeconds: plan.measureSeconds,
    ingesterCommand: ["bun", join(root, "bench/peer-ingester.ts")],
  });
}
