// The per-tick work of the pipeline, timed step by step in one thread, without gRPC or the
// database: what the main thread does (peek, sequence, into a ring) and what a Worker does (out of
// the ring, validate and encode the binary COPY rows into its batch's table buffers). Decoding
// into message objects, which only the console sink and verify do, for comparison.
//   bun bench/per-tick.ts [--workload sparse|heavy]
import { parseArgs } from "node:util";
import type { Workload } from "../src/simulator/index.ts";
import { encodeTick } from "../src/simulator/ticks.ts";
import { createRing, RingReader, RingWriter } from "../src/pipeline/ring.ts";
import { TickOrder } from "../src/pipeline/tick-order.ts";
import { decodeTick, newTickTables, tickRows } from "../src/sink/tick-rows.ts";
import { peekTick } from "../src/source/tick-peek.ts";
import { FIRST_TICK, workloadShape } from "./support/workload-ticks.ts";

export type PerTick = Record<string, number>;

const BATCH = 250;

/** Microseconds per tick of each step, the best of `rounds` passes over the same ticks. */
export function measurePerTick(workload: Workload, ticks: number, rounds = 5): PerTick {
  const shape = workloadShape(workload, 1_768_028_416_704_159n);
  const messages = Array.from({ length: ticks }, (_, i) => encodeTick(shape, FIRST_TICK + BigInt(i)));
  const ring = createRing(64 << 20);
  const writer = new RingWriter(ring);
  const reader = new RingReader(ring);
  const tables = newTickTables();
  const steps: Record<string, () => void> = {
    "peek (main)": () => {
      for (const bytes of messages) peekTick(bytes);
    },
    "peek + sequence (main)": () => {
      const order = new TickOrder(FIRST_TICK);
      for (const bytes of messages) order.offer(peekTick(bytes));
    },
    "ring write + read": () => {
      for (let i = 0; i < messages.length; i += BATCH) {
        for (const bytes of messages.slice(i, i + BATCH)) writer.tryWrite(1, bytes);
        while (reader.tryRead());
      }
    },
    "rows into batch buffers (worker)": () => {
      for (let i = 0; i < messages.length; i += BATCH) {
        for (const table of tables) table.reset();
        for (const bytes of messages.slice(i, i + BATCH)) tickRows(bytes, tables);
      }
    },
    "decode to objects (console, verify)": () => {
      for (const bytes of messages) decodeTick(bytes);
    },
  };
  const result: PerTick = {};
  for (const [name, step] of Object.entries(steps)) {
    let best = Infinity;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      step();
      best = Math.min(best, performance.now() - started);
    }
    result[name] = (best * 1000) / ticks;
  }
  result["bytes per tick"] = messages.reduce((sum, m) => sum + m.byteLength, 0) / ticks;
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: "string", default: "sparse" }, ticks: { type: "string" } } });
  const workload = values.workload as Workload;
  const ticks = Number(values.ticks ?? (workload === "heavy" ? 5_000 : 50_000));
  const perTick = measurePerTick(workload, ticks);
  for (const [name, value] of Object.entries(perTick)) console.log(`${name.padEnd(26)} ${value.toFixed(2)}`);
}
