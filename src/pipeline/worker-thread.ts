// A pipeline Worker thread: reads batches from its ring, decodes, validates and encodes each tick as
// it arrives, and hands every finished batch to one of its writers (each with a database
// connection, or the console), reporting each commit to the main thread.
import { WaitingQueue } from "../common/waiting-queue.ts";
import { BatchBuilder, type Batch } from "../sink/batch.ts";
import { FencedOut } from "../sink/lease.ts";
import type { BatchEnd, RejectRecord } from "../sink/records.ts";
import { openSink } from "../sink/sink.ts";
import { decodeJson, RecordType, type LargeRecord, type WorkerInit, type WorkerReport } from "./batch-protocol.ts";
import { RingReader, type RingRecord } from "./ring.ts";

declare const self: Worker;

const post = (report: WorkerReport) => self.postMessage(report);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The reason goes to the main thread before the exit, so that the Worker's death names it. */
function fail(error: Error): never {
  post({ type: "failed", reason: error instanceof FencedOut ? error.message : (error.stack ?? String(error)) });
  process.exit(1);
}

async function run(init: WorkerInit) {
  const ring = new RingReader(init.ring);
  const finished = new WaitingQueue<Batch>();
  const builder = new BatchBuilder(init.sink.kind === "console");

  // Several writers, each with its own connection, so one batch's commit round trip does not
  // hold up the next batch: the database works on them concurrently.
  const writers = Array.from({ length: init.writers }, async () => {
    const sink = openSink(init.sink, post);
    try {
      for (let batch = await finished.next(); batch; batch = await finished.next()) {
        for (const r of await sink.write(batch)) post(r);
        builder.recycle(batch);
      }
    } finally {
      await sink.close();
    }
  }).map((writer) => writer.catch(fail));

  post({ type: "ready" });
  while (await ring.waitForData()) {
    for (let record = ring.tryRead(); record; record = ring.tryRead()) {
      if (record.type === RecordType.Large) record = (await largeRecords.next())!; // never closed
      if (record.type === RecordType.Tick) builder.addTick(record.body);
      else if (record.type === RecordType.Reject) builder.addReject(decodeJson<RejectRecord>(record.body));
      else {
        finished.push(builder.finish(decodeJson<BatchEnd>(record.body)));
        await nextTurn(); // let the writers' I/O run while batches keep arriving
      }
    }
  }
  finished.close();
  await Promise.all(writers);
  post({ type: "stopped" });
}

/** Records too large for the ring, in the order they were sent. */
const largeRecords = new WaitingQueue<RingRecord>();

self.onmessage = (event: MessageEvent<WorkerInit | LargeRecord>) => {
  const message = event.data;
  if (message.type === "large") {
    largeRecords.push({ type: message.recordType, body: message.body });
    return;
  }
  run(message).catch(fail);
};
