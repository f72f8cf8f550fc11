// One measured run of the ingester binary: a fresh migrated database, the simulator as its own
// process, the ingester as another, sampled once a second (its /metrics counters, and CPU and
// memory of the ingester, the simulator and PostgreSQL from /proc) from its first commit on.
import type postgres from "postgres";
import type { Workload } from "../../src/simulator/index.ts";
import { freePort } from "../../test/support/postgres.ts";
import { openSql, spawnIngester, spawnSimulator } from "../../test/support/processes.ts";
import { cpuSeconds, loadAverage, machineBusySeconds, memory, threadCpuSeconds, treeCpuSeconds } from "./proc-stats.ts";
import { scrapeCounters, type Counters } from "./scrape.ts";
import { scratchDatabase, type Stack } from "./stack.ts";
import { FIRST_TICK, nowMicros, simulatorArgs } from "./workload-ticks.ts";

export interface IngestOptions<T> {
  workload: Workload;
  /** Simulator rate in ticks per second; 0 = as fast as the ingester reads. */
  rate: number;
  genesisMicros: bigint;
  /** Ingester settings (WORKER_COUNT, BATCH_SIZE, ...); the rest are its defaults. */
  env?: Record<string, string>;
  warmupSeconds: number;
  measureSeconds: number;
  /** How to start the ingester; default: the built binary. */
  ingesterCommand?: string[];
  /** Prepares the migrated database before the simulator and the ingester start. */
  prepare?: (sql: postgres.Sql) => Promise<void>;
  /**
   * After the measured seconds, keep the ingester running until it has committed this many ticks
   * (at most SETTLE_TIMEOUT_MS), so that a window's last ticks are in before it stops even when the
   * simulator or the ingester ran behind real time.
   */
  settleTicks?: (run: { firstCommitMicros: bigint }) => number;
  /** Queries the database after the ingester stopped, before the database is dropped. */
  inspect?: (sql: postgres.Sql, run: { firstCommitMicros: bigint }) => Promise<T>;
}

export interface Sample {
  /** Seconds since the first commit. */
  at: number;
  ticks: number;
  rows: number;
  ingesterCpu: number;
  /** The ingester's CPU by thread: main (gRPC, sequencing, dispatch), Workers, the rest (JIT, GC). */
  ingesterThreads: { main: number; workers: number; other: number };
  simulatorCpu: number;
  postgresCpu: number;
  /** Every process on the machine, this benchmark's and others'. */
  machineCpu: number;
  rss: number;
}

export interface Cpu {
  ingester: number;
  ingesterMain: number;
  ingesterWorkers: number;
  simulator: number;
  postgres: number;
}

export interface IngestResult<T> {
  workload: Workload;
  rate: number;
  env: Record<string, string>;
  samples: Sample[];
  /** The steady-state window: from the first sample after the warm-up to the last. */
  window: { seconds: number; ticks: number; rows: number };
  ticksPerSecond: number;
  rowsPerSecond: number;
  /** CPU seconds per 100,000 ticks committed in the window. */
  cpuPer100k: Cpu;
  /** Cores busy on average in the window; `other` is everything else on the machine. */
  cores: Cpu & { other: number };
  peakRss: number;
  /** After shutdown: rows from FIRST_TICK on and the checkpoint; every tick from FIRST_TICK once. */
  stored: { ticks: number; vdfProofs: number; nextTick: bigint; complete: boolean };
  loadAverage: number;
  inspected: T;
}

const SAMPLE_MS = 1_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 45_000;
const SETTLE_TIMEOUT_MS = 30_000;

export async function runIngest<T = undefined>(stack: Stack, options: IngestOptions<T>): Promise<IngestResult<T>> {
  const database = await scratchDatabase(stack);
  if (options.prepare) {
    const sql = openSql(database.url);
    await options.prepare(sql).finally(() => sql.end());
  }
  const simulator = await spawnSimulator(simulatorArgs(options.workload, options.genesisMicros, options.rate), { command: [stack.binary] });
  const port = await freePort();
  const env = { ...options.env };
  const ingester = spawnIngester(
    {
      CONTINUUM_GRPC_URL: simulator.address,
      DATABASE_URL: database.url,
      START_TICK: FIRST_TICK.toString(),
      SERVICE_NAME: "bench",
      HEALTH_CHECK_HOST: "127.0.0.1",
      HEALTH_CHECK_PORT: String(port),
      LOG_LEVEL: "warn",
      ...env,
    },
    ["run"],
    options.ingesterCommand ?? [stack.binary],
  );
  const sample = (at: number, counters: Counters): Sample => ({
    at,
    ...counters,
    ingesterCpu: cpuSeconds(ingester.proc.pid),
    ingesterThreads: threadCpuSeconds(ingester.proc.pid),
    simulatorCpu: cpuSeconds(simulator.proc.pid),
    postgresCpu: treeCpuSeconds(stack.postmasterPid),
    machineCpu: machineBusySeconds(),
    rss: memory(ingester.proc.pid).rss,
  });

  const samples: Sample[] = [];
  let peakRss = 0;
  let firstCommitMicros = 0n;
  let exitedEarly = false;
  void ingester.exited.then(() => (exitedEarly = true));
  try {
    const startBy = performance.now() + START_TIMEOUT_MS;
    let first: Counters | undefined;
    while (!first || first.ticks === 0) {
      if (exitedEarly || performance.now() > startBy) throw new Error(`the ingester did not commit a tick:\n${ingester.output()}`);
      await Bun.sleep(50);
      first = await scrapeCounters(port);
    }
    const origin = performance.now();
    firstCommitMicros = nowMicros();
    samples.push(sample(0, first));
    for (let k = 1; k <= options.warmupSeconds + options.measureSeconds; k++) {
      await Bun.sleep(Math.max(0, origin + k * SAMPLE_MS - performance.now()));
      const counters = await scrapeCounters(port);
      if (exitedEarly || !counters) throw new Error(`the ingester stopped answering:\n${ingester.output()}`);
      samples.push(sample((performance.now() - origin) / 1000, counters));
    }
    if (options.settleTicks) {
      const wanted = options.settleTicks({ firstCommitMicros });
      const settleBy = performance.now() + SETTLE_TIMEOUT_MS;
      while (performance.now() < settleBy && ((await scrapeCounters(port))?.ticks ?? 0) < wanted) await Bun.sleep(100);
    }
    peakRss = memory(ingester.proc.pid).peakRss;
  } finally {
    ingester.proc.kill("SIGTERM");
    const killer = setTimeout(() => ingester.proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await ingester.exited;
    clearTimeout(killer);
    simulator.proc.kill("SIGTERM");
    await simulator.proc.exited;
  }

  const sql = openSql(database.url);
  try {
    const [counts] = await sql`
      SELECT (SELECT count(*) FROM ticks WHERE tick_number >= ${FIRST_TICK.toString()}::numeric)::int AS ticks,
             (SELECT count(*) FROM vdf_proofs WHERE tick_number >= ${FIRST_TICK.toString()}::numeric)::int AS vdf_proofs,
             (SELECT next_tick::text FROM ingest_checkpoints WHERE stream = 'bench') AS next_tick`;
    const nextTick = BigInt(counts!.next_tick ?? FIRST_TICK);
    const stored = {
      ticks: counts!.ticks as number,
      vdfProofs: counts!.vdf_proofs as number,
      nextTick,
      complete: BigInt(counts!.ticks) === nextTick - FIRST_TICK && counts!.ticks === counts!.vdf_proofs,
    };
    const inspected = (options.inspect ? await options.inspect(sql, { firstCommitMicros }) : undefined) as T;
    return {
      ...summarise(samples, options.warmupSeconds),
      workload: options.workload,
      rate: options.rate,
      env,
      samples,
      peakRss,
      stored,
      loadAverage: loadAverage(),
      inspected,
    };
  } finally {
    await sql.end();
    await database.drop();
  }
}

function summarise(samples: Sample[], warmupSeconds: number) {
  const start = samples.find((s) => s.at >= warmupSeconds - 0.05) ?? samples[0]!;
  const end = samples.at(-1)!;
  const seconds = end.at - start.at;
  const ticks = end.ticks - start.ticks;
  const cpu: Cpu = {
    ingester: end.ingesterCpu - start.ingesterCpu,
    ingesterMain: end.ingesterThreads.main - start.ingesterThreads.main,
    ingesterWorkers: end.ingesterThreads.workers - start.ingesterThreads.workers,
    simulator: end.simulatorCpu - start.simulatorCpu,
    postgres: end.postgresCpu - start.postgresCpu,
  };
  const scale = (factor: number): Cpu =>
    Object.fromEntries(Object.entries(cpu).map(([name, value]) => [name, value * factor])) as unknown as Cpu;
  const machine = end.machineCpu - start.machineCpu;
  return {
    window: { seconds, ticks, rows: end.rows - start.rows },
    ticksPerSecond: ticks / seconds,
    rowsPerSecond: (end.rows - start.rows) / seconds,
    cpuPer100k: scale(ticks > 0 ? 100_000 / ticks : NaN),
    cores: { ...scale(1 / seconds), other: Math.max(0, machine - cpu.ingester - cpu.simulator - cpu.postgres) / seconds },
  };
}
