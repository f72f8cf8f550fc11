// The cost of handing ticks to a Worker through a ring, by how the writes arrive: in bursts
// (the Worker finds several records each time it wakes), or spaced out by `gapUs` of other work
// per record, as the main thread's gRPC reading spaces them (the Worker drains each record at
// once, waits again, and each write notifies it). CPU per record of the main thread (apart from
// the spacing work) and of the Worker, from /proc.
//   bun bench/ring-handoff.ts [--records 200000] [--bytes 550]
import { parseArgs } from "node:util";
import { createRing, RingWriter } from "../src/pipeline/ring.ts";
import { threadCpuSeconds } from "./support/proc-stats.ts";

const { values } = parseArgs({ options: { records: { type: "string", default: "200000" }, bytes: { type: "string", default: "550" } } });
const records = Number(values.records);
const body = new Uint8Array(Number(values.bytes)).fill(7);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const busyWait = (us: number) => {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
};

export async function handoff(burst: number, gapUs: number) {
  const buffers = createRing(2 * 16 * 1024 * 1024 + (1 << 20));
  const worker = new Worker(new URL("./support/ring-drain-worker.ts", import.meta.url).href);
  const done = new Promise<{ records: number; wakes: number }>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
  worker.postMessage(buffers);
  await Bun.sleep(200);
  const writer = new RingWriter(buffers);
  let spacing = 0;
  const before = threadCpuSeconds(process.pid);
  const started = performance.now();
  for (let i = 0; i < records; i++) {
    if (gapUs > 0) {
      const t = performance.now();
      busyWait(gapUs);
      spacing += performance.now() - t;
    }
    await writer.write(1, body);
    if ((i + 1) % burst === 0) await nextTurn();
  }
  writer.close();
  const read = await done;
  const seconds = (performance.now() - started) / 1000;
  const after = threadCpuSeconds(process.pid);
  worker.terminate();
  const us = (cpu: number) => ((cpu * 1e6) / records).toFixed(2);
  return {
    burst,
    gapUs,
    recordsPerSecond: Math.round(records / seconds),
    mainUs: us(after.main - before.main - spacing / 1000),
    workerUs: us(after.workers - before.workers),
    wakesPerRecord: (read.wakes / read.records).toFixed(3),
  };
}

if (import.meta.main) {
  for (const [burst, gapUs] of [
    [250, 0],
    [10, 0],
    [1, 0],
    [10, 20],
    [1, 20],
  ] as const)
    console.log(JSON.stringify(await handoff(burst, gapUs)));
}
