// A long database outage under a stream served as fast as it is read: the ingester's resident
// memory (VmRSS) is sampled throughout, with how far the simulator has streamed (its head) and the
// checkpoint. If the pipeline pauses the stream once BUFFER_SIZE ticks are in flight, the head
// stops moving and memory stays flat; a pipeline that buffered without limit would show both climb.
// Used by memory.fault.ts (a short outage) and bench/outage.ts (two minutes).
import { readFileSync } from "node:fs";
import { TestClient } from "../simulator/client.ts";
import { FIRST, type Scenario } from "./harness.ts";

export type Phase = "before" | "outage" | "after";

export interface RssSample {
  /** Since the outage began (negative before it). */
  seconds: number;
  phase: Phase;
  rssMb: number;
  /** Ticks the simulator has streamed so far (its head), counted from the first. */
  streamed: bigint;
  /** Ticks committed (the checkpoint), counted from the first. */
  committed: bigint;
}

export interface OutagePlan {
  outageMs: number;
  sampleEveryMs: number;
  /** Ticks in the stream: enough that it cannot finish before the outage starts. */
  count: number;
  bufferSize: number;
  /** Sampling before the outage, under full load. */
  beforeMs?: number;
}

export function vmRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/** Runs the outage in scenario `s` and returns the samples; the stream is then finished and verified by the caller. */
export async function sampleOutage(s: Scenario, plan: OutagePlan, onSample: (sample: RssSample) => void = () => {}) {
  const pg = await s.postgres();
  await s.database(pg);
  const sim = await s.stream({ count: plan.count });
  const proc = s.ingester({ BUFFER_SIZE: String(plan.bufferSize) });
  const client = new TestClient(sim.address);
  const samples: RssSample[] = [];
  let outageAt = 0;
  const sample = async (phase: Phase) => {
    const status = await client.getStatus();
    const entry: RssSample = {
      seconds: (performance.now() - outageAt) / 1000,
      phase,
      rssMb: vmRssMb(proc.proc.pid),
      streamed: status.currentTick - FIRST + 1n,
      committed: phase === "outage" ? (samples.at(-1)?.committed ?? 0n) : (await s.checkpoint()) - FIRST,
    };
    samples.push(entry);
    onSample(entry);
  };
  const sampleFor = async (phase: Phase, ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      await sample(phase);
      await Bun.sleep(Math.min(plan.sampleEveryMs, Math.max(0, until - performance.now())));
    }
  };
  try {
    await s.waitFor(FIRST + 5000n, proc);
    outageAt = performance.now() + (plan.beforeMs ?? 3000);
    await sampleFor("before", plan.beforeMs ?? 3000);
    await pg.stop();
    await sampleFor("outage", plan.outageMs);
    await sample("outage");
    await pg.start();
    // Until everything is committed, then one more sample with the pipeline idle.
    const deadline = performance.now() + 120_000;
    while ((await s.checkpoint()) <= s.last && performance.now() < deadline) {
      await sample("after");
      await Bun.sleep(plan.sampleEveryMs);
    }
    await sample("after");
    await s.finish(proc);
  } finally {
    client.close();
  }
  return samples;
}

/** RSS just before the outage and its peak during it; how far the stream moved from just before
 * the outage to its end, and in its second half. */
export function outageFigures(samples: RssSample[]) {
  const before = samples.filter((x) => x.phase === "before").at(-1)!;
  const outage = samples.filter((x) => x.phase === "outage");
  const end = outage.at(-1)!;
  const half = outage.find((x) => x.seconds >= end.seconds / 2) ?? outage[0]!;
  const peak = Math.max(...outage.map((x) => x.rssMb));
  return {
    rssBeforeMb: before.rssMb,
    rssPeakMb: peak,
    rssGrowthMb: peak - before.rssMb,
    streamedDuringOutage: end.streamed - before.streamed,
    streamedInSecondHalf: end.streamed - half.streamed,
  };
}

export function sampleTable(samples: RssSample[]): string {
  const rows = samples.map(
    (x) =>
      `| ${x.seconds.toFixed(1)} | ${x.phase} | ${x.rssMb.toFixed(1)} | ${x.streamed.toLocaleString("en-US")} | ${x.phase === "outage" ? "-" : x.committed.toLocaleString("en-US")} |`,
  );
  return ["| s since outage | phase | VmRSS MB | ticks streamed | ticks committed |", "|---:|---|---:|---:|---:|", ...rows].join("\n");
}
