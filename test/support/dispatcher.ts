// A dispatcher over a fake Worker pool that only records where batches end: for tests of where
// the dispatcher closes batches, and nothing else. The fake's Workers never commit by themselves;
// a test reports a commit with `commit(end)`.
import { decodeJson, RecordType } from "../../src/pipeline/batch-protocol.ts";
import { Dispatcher, type DispatcherOptions } from "../../src/pipeline/dispatcher.ts";
import type { WorkerPool } from "../../src/pipeline/worker-pool.ts";
import type { BatchEnd, CommitReport } from "../../src/sink/records.ts";

/** FLUSH_INTERVAL is a minute: a batch that closes in a test closed without waiting for it. */
const DEFAULTS: DispatcherOptions = {
  batchSize: 250,
  batchBytes: 1 << 20,
  bufferSize: 10_000,
  bufferBytes: 1 << 30,
  flushIntervalMs: 60_000,
};

export function recordingDispatcher(workers: number, options: Partial<DispatcherOptions> = {}) {
  const ends: BatchEnd[] = [];
  const record = (type: number, body: Uint8Array) => {
    if (type === RecordType.End) ends.push(decodeJson<BatchEnd>(body));
    return true;
  };
  const pool = {
    size: workers,
    trySend: (_w: number, type: number, body: Uint8Array) => record(type, body),
    send: async (_w: number, type: number, body: Uint8Array) => void record(type, body),
  };
  const dispatcher = new Dispatcher(pool as unknown as WorkerPool, { ...DEFAULTS, ...options }, new AbortController().signal);
  return {
    dispatcher,
    ends,
    /** [first, last] of every batch closed so far. */
    ranges: () => ends.map((e) => [e.first, e.last]),
    commit: (end: BatchEnd) => dispatcher.committed(commitReport(end)),
  };
}

function commitReport(end: BatchEnd): CommitReport {
  return {
    type: "committed",
    batchId: end.batchId,
    first: end.first,
    last: end.last,
    ticks: 0,
    rejects: {},
    gapTicks: 0,
    chainBreaks: 0,
    rows: { ticks: 0, vdf_proofs: 0, tick_transactions: 0 },
    writeSeconds: 0,
    retries: 0,
  };
}
