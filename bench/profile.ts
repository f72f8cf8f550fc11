// A CPU profile of the ingester's main thread under load: the ingester runs from source under
// `bun --cpu-prof-md`, against the simulator (unthrottled) and a throwaway PostgreSQL, and the
// markdown profile is written when it shuts down. Workers are not in it: bench/per-tick.ts times
// their per-tick work.
//   bun run build && bun bench/profile.ts [--workload sparse|heavy] [--seconds 15] [--workers 2] [--batch-size 250] [--dir /tmp/tick-ingester-profile]
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Workload } from "../src/simulator/index.ts";
import { runIngest } from "./support/ingest-run.ts";
import { startStack } from "./support/stack.ts";
import { nowMicros } from "./support/workload-ticks.ts";

const { values } = parseArgs({
  options: {
    workload: { type: "string", default: "sparse" },
    seconds: { type: "string", default: "15" },
    workers: { type: "string", default: "2" },
    "batch-size": { type: "string", default: "250" },
    dir: { type: "string", default: "/tmp/tick-ingester-profile" },
  },
});
const root = join(import.meta.dir, "..");
const stack = await startStack(join(root, "bin/tick-ingester"), { fsync: false });
try {
  const result = await runIngest(stack, {
    workload: values.workload as Workload,
    rate: 0,
    genesisMicros: nowMicros(),
    env: { WORKER_COUNT: values.workers!, BATCH_SIZE: values["batch-size"]! },
    warmupSeconds: 3,
    measureSeconds: Number(values.seconds),
    ingesterCommand: ["bun", "--cpu-prof-md", `--cpu-prof-dir=${values.dir}`, join(root, "src/main.ts")],
  });
  console.log(
    `${Math.round(result.ticksPerSecond)} ticks/s under the profiler; ingester CPU ${result.cpuPer100k.ingester.toFixed(2)} s per 100k ticks`,
  );
  const profiles = readdirSync(values.dir!)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(values.dir!, f));
  console.log(`profiles: ${profiles.join(", ")}`);
} finally {
  await stack.pg.destroy();
}
