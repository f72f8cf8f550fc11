// When a batch closes: at once when its Worker has nothing to commit (the stream is live), and only
// at its bounds while the Worker is busy (the stream is ahead). Event order, not a stopwatch: FLUSH_INTERVAL is
// a minute, so any batch that closes here closed without waiting for it.
// The Worker pool is faked: this tests only where the dispatcher closes batches.
import { expect, test } from "bun:test";
import { recordingDispatcher } from "../support/dispatcher.ts";

const BATCH_SIZE = 5;

test("with an idle Worker a single tick is sent at once, without waiting for FLUSH_INTERVAL", async () => {
  const { dispatcher, ranges } = recordingDispatcher(1, { batchSize: BATCH_SIZE });
  await dispatcher.tick(1n, new Uint8Array(10));
  expect(ranges()).toEqual(["1-1"]);
});

test("each idle Worker gets a batch of its own", async () => {
  const { dispatcher, ranges } = recordingDispatcher(2, { batchSize: BATCH_SIZE });
  for (let n = 1n; n <= 3n; n++) await dispatcher.tick(n, new Uint8Array(10));
  // Two Workers, two batches of one tick; the third tick waits for one of them.
  expect(ranges()).toEqual(["1-1", "2-2"]);
});

test("while its Worker is busy the batch grows, up to BATCH_SIZE, and closes when the Worker commits", async () => {
  const { dispatcher, ends, ranges, commit } = recordingDispatcher(1, { batchSize: BATCH_SIZE });
  for (let n = 1n; n <= 9n; n++) await dispatcher.tick(n, new Uint8Array(10));
  // Tick 1 keeps the Worker busy; 2-6 filled a batch of BATCH_SIZE; 7-9 wait in the open batch.
  expect(ranges()).toEqual(["1-1", "2-6"]);
  commit(ends[0]!);
  await dispatcher.flush(); // runs after the close that the commit started
  expect(ranges()).toEqual(["1-1", "2-6", "7-9"]);
});

test("a commit with no open batch closes nothing, and the next tick goes at once", async () => {
  const { dispatcher, ends, ranges, commit } = recordingDispatcher(1, { batchSize: BATCH_SIZE });
  await dispatcher.tick(1n, new Uint8Array(10));
  commit(ends[0]!);
  await dispatcher.flush();
  expect(ranges()).toEqual(["1-1"]);
  await dispatcher.tick(2n, new Uint8Array(10));
  expect(ranges()).toEqual(["1-1", "2-2"]);
});

test("while BATCH_SIZE ticks or more wait for their commit the stream is ahead: an idle Worker gets only full batches", async () => {
  const { dispatcher, ends, ranges, commit } = recordingDispatcher(2, { batchSize: BATCH_SIZE, bufferSize: 20 });
  for (let n = 1n; n <= 12n; n++) await dispatcher.tick(n, new Uint8Array(10));
  // Tick 1 to Worker 0, tick 2 to Worker 1, then a full batch 3-7 to Worker 0. 8-12 is open on
  // Worker 1: with 12 ticks in flight (more than 2 × BATCH_SIZE) it may grow.
  expect(ranges()).toEqual(["1-1", "2-2", "3-7"]);
  commit(ends[0]!);
  commit(ends[2]!);
  // 6 ticks wait (2, 8-12): no more growth, so 8-12 is full and goes to its Worker.
  expect(ranges()).toEqual(["1-1", "2-2", "3-7", "8-12"]);
  // Worker 0 is idle, but 6 ticks still wait: tick 13 waits for more.
  await dispatcher.tick(13n, new Uint8Array(10));
  expect(ends.length).toBe(4);
  commit(ends[1]!);
  await dispatcher.flush(); // runs after the close that the commit started, if any
  // 6 ticks (8-13) wait: still ahead; only the flush closed it.
  expect(ranges().slice(4)).toEqual(["13-13"]);
});

test("while more than 2 × BATCH_SIZE ticks wait for their commit, a batch grows to 16 × BATCH_SIZE", async () => {
  const { dispatcher, ranges } = recordingDispatcher(1, { batchSize: BATCH_SIZE });
  // Nothing commits: tick 1 keeps the Worker busy, 2-6 fill a batch; the batch after it passes
  // 10 ticks in flight while it fills, so it grows to 80 ticks, and so does the next.
  for (let n = 1n; n <= 200n; n++) await dispatcher.tick(n, new Uint8Array(10));
  expect(ranges()).toEqual(["1-1", "2-6", "7-86", "87-166"]);
});

test("a small buffer keeps batches small: a batch never holds more than half of it", async () => {
  const { dispatcher, ranges } = recordingDispatcher(1, { batchSize: BATCH_SIZE, bufferSize: 20 });
  for (let n = 1n; n <= 19n; n++) await dispatcher.tick(n, new Uint8Array(10));
  expect(ranges()).toEqual(["1-1", "2-6", "7-16"]);
});
