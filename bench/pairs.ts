// Two builds of the ingester compared in turns (A B A B ...) on one PostgreSQL server, at full
// speed, or with --rate at that many ticks a second, where tick→commit latency is the figure: on a
// shared, noisy machine only figures measured side by side say which is better. Prints each run
// and the median of each side. Build the two binaries first, e.g.
// `bun -e 'import { buildBinary } from "./scripts/build.ts"; await buildBinary("/tmp/a")'`.
//   bun bench/pairs.ts /tmp/a /tmp/b [--workload sparse|heavy] [--rounds 2] [--seconds 10] [--timescale] [--rate 1000]
import { parseArgs } from "node:util";
import type { Workload } from "../src/simulator/index.ts";
import { runIngest, type IngestResult } from "./support/ingest-run.ts";
import { measureLatency, type LatencyResult } from "./support/latency.ts";
import { startStack } from "./support/stack.ts";
import { nowMicros } from "./support/workload-ticks.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workload: { type: "string", default: "sparse" },
    rounds: { type: "string", default: "2" },
    seconds: { type: "string", default: "10" },
    timescale: { type: "boolean", default: false },
    rate: { type: "string", default: "0" },
  },
});
if (positionals.length !== 2) throw new Error("usage: bun bench/pairs.ts BINARY_A BINARY_B [options]");
const sides = positionals as [string, string];

type Run = IngestResult<LatencyResult | undefined>;
const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`;
const latency = ({ inspected: l }: Run) =>
  l ? `tick→commit p50 ${ms(l.commit.p50)}, p99 ${ms(l.commit.p99)}, max ${ms(l.commit.max)} (${l.stored} of ${l.expected} stored); ` : "";

const describe = (r: Run) => {
  const c = r.cpuPer100k;
  return (
    latency(r) +
    `${Math.round(r.ticksPerSecond)} ticks/s; CPU s per 100k ticks: ingester ${c.ingester.toFixed(2)} ` +
    `(main ${c.ingesterMain.toFixed(2)}, Workers ${c.ingesterWorkers.toFixed(2)}), PostgreSQL ${c.postgres.toFixed(2)}; ` +
    `peak RSS ${Math.round(r.peakRss / 1e6)} MB; every tick once: ${r.stored.complete ? "yes" : "NO"}; load ${r.loadAverage.toFixed(1)}`
  );
};
const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const stack = await startStack(sides[0], { fsync: false, timescale: values.timescale });
const results: Run[][] = [[], []];
const rate = Number(values.rate);
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [i, binary] of sides.entries()) {
      const common = { workload: values.workload as Workload, measureSeconds: Number(values.seconds), ingesterCommand: [binary] };
      const result: Run =
        rate > 0
          ? await measureLatency(stack, { ...common, rate, warmupSeconds: 3 })
          : await runIngest(stack, { ...common, rate: 0, genesisMicros: nowMicros(), warmupSeconds: 3 });
      results[i]!.push(result);
      console.log(`${"AB"[i]} ${binary}: ${describe(result)}`);
    }
  }
} finally {
  await stack.pg.destroy();
}
for (const [i, runs] of results.entries()) {
  const of = (f: (r: Run) => number) => median(runs.map(f));
  const p99 = rate > 0 ? `p99 ${ms(of((r) => r.inspected!.commit.p99))}, ` : "";
  console.log(
    `median ${"AB"[i]}: ${p99}${Math.round(of((r) => r.ticksPerSecond))} ticks/s, ingester ${of((r) => r.cpuPer100k.ingester).toFixed(2)} ` +
      `and PostgreSQL ${of((r) => r.cpuPer100k.postgres).toFixed(2)} CPU s per 100k ticks, peak RSS ${Math.round(of((r) => r.peakRss) / 1e6)} MB`,
  );
}
console.log(`command: bun bench/pairs.ts ${process.argv.slice(2).join(" ")}`);
