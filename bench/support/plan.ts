// How long each part of `bun run bench` runs: the full benchmark, or --quick (about 3 minutes)
// to check a change.
import type { Workload } from "../../src/simulator/index.ts";

export interface Plan {
  quick: boolean;
  /** Throughput runs: seconds after the first commit left out, then seconds measured. */
  warmupSeconds: number;
  measureSeconds: number;
  ceilingSeconds: number;
  perTickTicks: Record<Workload, number>;
  /** The seed's rate: latency is measured with the simulator producing this many ticks a second. */
  latencyRate: number;
  sweep?: { batchSizes: number[]; workerCounts: number[]; warmupSeconds: number; measureSeconds: number };
}

export function planFor(quick: boolean): Plan {
  return quick
    ? {
        quick,
        warmupSeconds: 2,
        measureSeconds: 8,
        ceilingSeconds: 4,
        perTickTicks: { sparse: 10_000, heavy: 1_000 },
        latencyRate: 10_000,
      }
    : {
        quick,
        warmupSeconds: 5,
        measureSeconds: 30,
        ceilingSeconds: 10,
        perTickTicks: { sparse: 50_000, heavy: 5_000 },
        latencyRate: 10_000,
        sweep: { batchSizes: [100, 250, 1000], workerCounts: [1, 2, 4, 8], warmupSeconds: 3, measureSeconds: 10 },
      };
}

/** The heavy latency run's rate: the seed's rate if the machine sustains it, else 60% of what it sustained. */
export function heavyLatencyRate(plan: Plan, heavyTicksPerSecond: number): number {
  if (heavyTicksPerSecond >= plan.latencyRate * 1.2) return plan.latencyRate;
  return Math.max(500, Math.floor((heavyTicksPerSecond * 0.6) / 500) * 500);
}
