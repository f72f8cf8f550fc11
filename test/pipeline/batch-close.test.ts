// When a batch closes: at once when its Worker has nothing to commit (the stream is live), and only
// at its bounds while the Worker is busy (the stream is ahead). Event order, not a stopwatch: FLUSH_INTERVAL is
// a minute, so any batch that closes here closed without waiting for it.
// The Worker pool is faked: this tests only where the dispatcher closes batches.
import { expect, test } from "bun:test";
import { decodeJson, RecordType } from "../../src/pipeline/batch-protocol.ts";
import type { BatchEnd, CommitReport } from "../../src/sink/records.ts";
import { Dispatcher } from "../../src/pipeline/dispatcher.ts";
import type { WorkerPool } from "../../src/pipeline/worker-pool.ts";

function recordingPool(workers: number) {
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
  return { pool: pool as unknown as WorkerPool, ends };
}

const options = { batchSize: 5, batchBytes: 1 << 20, bufferSize: 10_000, bufferBytes: 1 << 30, flushIntervalMs: 60_000 };
const ranges = (ends: BatchEnd[]) => ends.map((e) => [e.first, e.last]);

function committed(end: BatchEnd): CommitReport {
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

test("with an idle Worker a single tick is sent at once, without waiting for FLUSH_INTERVAL", async () => {
  const { pool, ends } = recordingPool(1);
  const dispatcher = new Dispatcher(pool, options, new AbortController().signal);
  await dispatcher.tick(1n, new Uint8Array(10));
  expect(ranges(ends)).toEqual([["1", "1"]]);
});

test("each idle Worker gets a batch of its own", async () => {
  const { pool, ends } = recordingPool(2);
  const dispatcher = new Dispatcher(pool, options, new AbortController().signal);
  for (let n = 1n; n <= 3n; n++) await dispatcher.tick(n, new Uint8Array(10));
  // Two Workers, two batches of one tick; the third tick waits for one of them.
  expect(ranges(ends)).toEqual([
    ["1", "1"],
    ["2", "2"],
  ]);
});

test("while its Worker is busy the batch grows, up to BATCH_SIZE, and closes when the Worker commits", async () => {
  const { pool, ends } = recordingPool(1);
  const dispatcher = new Dispatcher(pool, options, new AbortController().signal);
  for (let n = 1n; n <= 9n; n++) await dispatcher.tick(n, new Uint8Array(10));
  // Tick 1 keeps the Worker busy; 2-6 filled a batch of BATCH_SIZE; 7-9 wait in the open batch.
  expect(ranges(ends)).toEqual([
    ["1", "1"],
    ["2", "6"],
  ]);
  dispatcher.committed(committed(ends[0]!));
  await dispatcher.flush(); // runs after the close that the commit started
  expect(ranges(ends)).toEqual([
    ["1", "1"],
    ["2", "6"],
    ["7", "9"],
  ]);
});

test("a commit with no open batch closes nothing, and the next tick goes at once", async () => {
  const { pool, ends } = recordingPool(1);
  const dispatcher = new Dispatcher(pool, options, new AbortController().signal);
  await dispatcher.tick(1n, new Uint8Array(10));
  dispatcher.committed(committed(ends[0]!));
  await dispatcher.flush();
  expect(ranges(ends)).toEqual([["1", "1"]]);
  await dispatcher.tick(2n, new Uint8Array(10));
  expect(ranges(ends)).toEqual([
    ["1", "1"],
    ["2", "2"],
  ]);
});

test("while BATCH_SIZE ticks or more wait for their commit the stream is ahead: an idle Worker gets only full batches", async () => {
  const { pool, ends } = recordingPool(2);
  const dispatcher = new Dispatcher(pool, options, new AbortController().signal);
  for (let n = 1n; n <= 12n; n++) await dispatcher.tick(n, new Uint8Array(10));
  // Tick 1 to Worker 0, tick 2 to Worker 1, then full batches: 3-7 to Worker 0, 8-12 to Worker 1.
  expect(ranges(ends)).toEqual([
    ["1", "1"],
    ["2", "2"],
    ["3", "7"],
    ["8", "12"],
  ]);
  dispatcher.committed(committed(ends[0]!));
  dispatcher.committed(committed(ends[2]!));
  // Worker 0 is idle, but 6 ticks (2, 8-12) still wait: tick 13 waits for more.
  await dispatcher.tick(13n, new Uint8Array(10));
  expect(ends.length).toBe(4);
  dispatcher.committed(committed(ends[1]!));
  await dispatcher.flush(); // runs after the close that the commit started, if any
  // 6 ticks (8-13) wait: still ahead; only the flush closed it.
  expect(ranges(ends).slice(4)).toEqual([["13", "13"]]);
});
