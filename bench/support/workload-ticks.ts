// The ticks of a benchmark workload, exactly as `tick-ingester simulate --rate 0 --seed 1
// --genesis-time G --workload W` serves them (ticks 1 ms apart in time, NOMINAL_RATE).
import { DEFAULT_FIRST_TICK, NOMINAL_RATE, WORKLOADS, type Workload } from "../../src/simulator/index.ts";
import type { TickShape } from "../../src/simulator/ticks.ts";

export const FIRST_TICK = DEFAULT_FIRST_TICK;
export const SEED = 1;

export function workloadShape(workload: Workload, genesisMicros: bigint): TickShape {
  return { seed: SEED, firstTick: FIRST_TICK, genesisMicros, ticksPerSecond: NOMINAL_RATE, ...WORKLOADS[workload] };
}

/** The simulator's flags for the same ticks. */
export function simulatorArgs(workload: Workload, genesisMicros: bigint, rate: number): string[] {
  return [
    "--rate",
    String(rate),
    "--workload",
    workload,
    "--first-tick",
    FIRST_TICK.toString(),
    "--genesis-time",
    genesisMicros.toString(),
    "--seed",
    String(SEED),
    "--log-level",
    "warn",
  ];
}

export const nowMicros = () => BigInt(Date.now()) * 1000n;
