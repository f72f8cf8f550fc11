// Everything one `bun run bench` measured, as the report renders it.
import type { Workload } from "../../src/simulator/index.ts";
import type { PerTick } from "../per-tick.ts";
import type { CopyLoad } from "./copy-limit.ts";
import type { IngestResult } from "./ingest-run.ts";
import type { LatencyResult } from "./latency.ts";
import type { Machine } from "./machine.ts";
import type { Plan } from "./plan.ts";
import type { SimulatorCeiling } from "./simulator-ceiling.ts";
import type { TimescaleResults } from "./timescale.ts";

export interface LimitResult {
  ticks: number;
  rows: number;
  megabytes: number;
  prepareSeconds: number;
  loads: CopyLoad[];
  best: CopyLoad;
}

export interface BenchResults {
  date: string;
  plan: Plan;
  machine: Machine;
  postgres: Record<string, string>;
  commands: string[];
  loadAverage: { before: number; after: number };
  elapsedSeconds: number;
  perTick: Record<Workload, PerTick>;
  ceilings: Record<Workload, SimulatorCeiling>;
  throughput: Record<Workload, IngestResult<undefined>>;
  /** The straightforward peer ingester (bench/peer-ingester.ts) on the same stream and server. */
  peer: Record<Workload, IngestResult<undefined>>;
  limits: Record<Workload, LimitResult>;
  latency: Record<Workload, IngestResult<LatencyResult>>;
  sweep: Array<IngestResult<undefined>>;
  timescale: TimescaleResults;
}
