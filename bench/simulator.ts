// How many ticks per second the simulator streams to one client when unthrottled (--rate 0).
// The simulator runs as its own process (`tick-ingester simulate`); this process is the client and
// counts whole messages, without decoding them unless --decode, so the figure is the server's.
// Usage: bun bench/simulator.ts [--workload sparse|heavy] [--seconds 10] [--decode]
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Workload } from "../src/simulator/index.ts";
import { measureSimulator } from "./support/simulator-ceiling.ts";

const { values } = parseArgs({
  options: {
    workload: { type: "string", default: "sparse" },
    seconds: { type: "string", default: "10" },
    decode: { type: "boolean", default: false },
  },
});
const result = await measureSimulator({
  workload: values.workload as Workload,
  seconds: Number(values.seconds),
  decode: values.decode!,
  command: ["bun", join(import.meta.dir, "../src/main.ts")],
});
console.log(
  JSON.stringify({
    ...result,
    seconds: Number(result.seconds.toFixed(2)),
    ticksPerSecond: Math.round(result.ticksPerSecond),
    megabytesPerSecond: Number(result.megabytesPerSecond.toFixed(1)),
    simulatorCpuPer100k: Number(result.simulatorCpuPer100k.toFixed(2)),
  }),
);
