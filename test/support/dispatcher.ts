// A dispatcher over a fake Worker pool that records what each Worker receives: for tests of the
// dispatcher, and nothing else. The fake's Workers never commit by themselves; a test reports a
// commit with `commit(end)`, or a part of a split batch with `commit(end, first, last)`. Its rings
// take every record at once until `fillRings(n)`: then they take n more, and after those a send
// waits until `drainRings()`.
import { WakeUp } from "../../src/common/waiting-queue.ts";
import { decodeJson, RecordType } from "../../src/pipeline/batch-protocol.ts";
import { Dispatcher, type DispatcherOptions } from "../../src/pipeline/dispatcher.ts";
import type { WorkerPool } from "../../src/pipeline/worker-pool.ts";
import type { BatchEnd, CommitReport, RejectRecord } from "../../src/sink/records.ts";

/** FLUSH_INTERVAL is a minute: a batch that closes in a test closed without waiting for it. */
const DEFAULTS: DispatcherOptions = {
  batchSize: 250,
  batchBytes: 1 << 20,
  bufferSize: 10_000,
  bufferBytes: 1 << 30,
  flushIntervalMs: 60_000,
};

/** A tick's bytes that say its number (below 256) to the fake's log. */
export function tickBytes(n: bigint, size = 10): Uint8Array {
  return new Uint8Array(size).fill(Number(n));
}

export function recordingDispatcher(workers: number, options: Partial<DispatcherOptions> = {}) {
  const ends: BatchEnd[] = [];
  /** What the Workers received, in order: "tick 3", "reject 4", "end 2-4" (a Worker's number first when there are several). */
  const log: string[] = [];
  const drained = new WakeUp();
  let recordsLeft = Number.POSITIVE_INFINITY;
  const receive = (worker: number, type: number, body: Uint8Array) => {
    const prefix = workers > 1 ? `${worker}: ` : "";
    if (type === RecordType.Tick) log.push(`${prefix}tick ${body[0]}`);
    else if (type === RecordType.Reject) log.push(`${prefix}reject ${decodeJson<RejectRecord>(body).tickNumber}`);
    else if (type === RecordType.End) {
      const end = decodeJson<BatchEnd>(body);
      ends.push(end);
      log.push(`${prefix}end ${end.first}-${end.last}`);
    }
  };
  const pool = {
    size: workers,
    send: (worker: number, type: number, body: Uint8Array): void | Promise<void> => {
      if (recordsLeft-- > 0) return receive(worker, type, body);
      return drained.wait().then(() => receive(worker, type, body));
    },
  };
  const abort = new AbortController();
  const dispatcher = new Dispatcher(pool as unknown as WorkerPool, { ...DEFAULTS, ...options }, abort.signal);
  return {
    dispatcher,
    ends,
    log,
    /** "first-last" of every batch closed so far. */
    ranges: () => ends.map((e) => `${e.first}-${e.last}`),
    commit: (end: BatchEnd, first = end.first, last = end.last) => dispatcher.committed(commitReport(end.batchId, first, last)),
    fillRings: (records = 0) => {
      recordsLeft = records;
    },
    drainRings: () => {
      recordsLeft = Number.POSITIVE_INFINITY;
      drained.wakeAll();
    },
    abort: () => abort.abort(),
  };
}

function commitReport(batchId: number, first: string | undefined, last: string | undefined): CommitReport {
  return {
    type: "committed",
    batchId,
    first,
    last,
    ticks: 0,
    rejects: {},
    gapTicks: 0,
    chainBreaks: 0,
    rows: { ticks: 0, vdf_proofs: 0, tick_transactions: 0 },
    writeSeconds: 0,
    retries: 0,
  };
}
