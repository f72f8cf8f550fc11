// The dispatcher's states, one at a time: an open batch and what closes it, waiting for room in
// BUFFER_SIZE and BUFFER_BYTES, a full ring, the flush timer, gaps and rejects, the abort, and the
// commits of a batch a Worker split. The Worker pool is faked (test/support/dispatcher.ts); the
// tests assert the order of events, never how long anything took.
import { expect, test } from "bun:test";
import { Aborted } from "../../src/pipeline/dispatcher.ts";
import { recordingDispatcher, tickBytes } from "../support/dispatcher.ts";

/** Lets every callback that can run now run: what has not happened after it is waiting. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Notes in `events` when `call` is done. */
function noted(events: string[], what: string, call: void | Promise<void>): Promise<void> {
  expect(call).toBeInstanceOf(Promise);
  return (call as Promise<void>).then(() => void events.push(what));
}

test("a break in the numbers closes the open batch, and while the ring has room no tick makes a promise", () => {
  const { dispatcher, log, ranges } = recordingDispatcher(1);
  // Tick 1 closes at once (its Worker is idle); 2 and 3 wait in a batch while it is busy.
  for (const n of [1n, 2n, 3n, 5n]) expect(dispatcher.tick(n, tickBytes(n))).toBeUndefined();
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "tick 3", "end 2-3", "tick 5"]);
  expect(ranges()).toEqual(["1-1", "2-3"]);
});

test("at BUFFER_SIZE a tick waits for room: the open batch goes on its way, and a commit wakes the tick; the calls after it queue", async () => {
  const { dispatcher, ends, log, commit } = recordingDispatcher(1, { bufferSize: 3 });
  for (const n of [1n, 2n, 3n]) dispatcher.tick(n, tickBytes(n));
  const events: string[] = [];
  const four = noted(events, "tick 4", dispatcher.tick(4n, tickBytes(4n)));
  const five = noted(events, "tick 5", dispatcher.tick(5n, tickBytes(5n)));
  await settle();
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "tick 3", "end 2-3"]);
  events.push("commit 1-1");
  commit(ends[0]!);
  await four;
  await settle();
  // Tick 4 took the room one tick's commit made; tick 5 closed batch 4-4 and waits again.
  expect(log.slice(5)).toEqual(["tick 4", "end 4-4"]);
  events.push("commit 2-3");
  commit(ends[1]!);
  await five;
  expect(events).toEqual(["commit 1-1", "tick 4", "commit 2-3", "tick 5"]);
  expect(log.slice(7)).toEqual(["tick 5"]);
  expect(dispatcher.ticksInFlight).toBe(2);
});

test("at BUFFER_BYTES a tick waits for room until a commit frees bytes", async () => {
  const { dispatcher, ends, log, commit } = recordingDispatcher(1, { bufferBytes: 25 });
  for (const n of [1n, 2n, 3n]) dispatcher.tick(n, tickBytes(n, 10));
  expect(dispatcher.recordBytesInFlight).toBe(30);
  const events: string[] = [];
  const placed = noted(events, "tick 4", dispatcher.tick(4n, tickBytes(4n, 10)));
  await settle();
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "tick 3", "end 2-3"]);
  events.push("commit 1-1");
  commit(ends[0]!);
  await placed;
  expect(events).toEqual(["commit 1-1", "tick 4"]);
  expect(log.at(-1)).toBe("tick 4");
});

test("a full ring makes the tick wait for it, the calls after it queue in order, and once it drains ticks go at once again", async () => {
  const { dispatcher, log, fillRings, drainRings } = recordingDispatcher(1, { batchSize: 3 });
  dispatcher.tick(1n, tickBytes(1n));
  fillRings();
  const calls = [2n, 3n, 4n, 5n].map((n) => dispatcher.tick(n, tickBytes(n)));
  const flushed = dispatcher.flush();
  const rejected = dispatcher.reject(6n, "bad", "a reject queued behind them", new Uint8Array(0));
  for (const call of calls) expect(call).toBeInstanceOf(Promise);
  await settle();
  expect(log).toEqual(["tick 1", "end 1-1"]);
  drainRings();
  await Promise.all([...calls, flushed, rejected]);
  // 2-4 fill a batch of BATCH_SIZE; the flush closes 5-5, and the reject opens the next batch.
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "tick 3", "tick 4", "end 2-4", "tick 5", "end 5-5", "reject 6"]);
  expect(dispatcher.tick(7n, tickBytes(7n))).toBeUndefined();
});

test("a batch's End waits for a full ring like any record, and nothing overtakes it", async () => {
  const { dispatcher, log, fillRings, drainRings } = recordingDispatcher(1, { batchSize: 2 });
  dispatcher.tick(1n, tickBytes(1n));
  dispatcher.tick(2n, tickBytes(2n));
  fillRings(1);
  const closing = dispatcher.tick(3n, tickBytes(3n)); // fills the batch, and the ring: its End waits
  expect(closing).toBeInstanceOf(Promise);
  const after = dispatcher.tick(4n, tickBytes(4n));
  expect(after).toBeInstanceOf(Promise);
  await settle();
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "tick 3"]);
  drainRings();
  await Promise.all([closing, after]);
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "tick 3", "end 2-3", "tick 4"]);
});

test("FLUSH_INTERVAL after it opened, a batch closes without another call", async () => {
  const { dispatcher, ends, ranges } = recordingDispatcher(1, { flushIntervalMs: 5 });
  dispatcher.tick(1n, tickBytes(1n));
  dispatcher.tick(2n, tickBytes(2n)); // the Worker is busy with tick 1: batch 2 waits to grow
  expect(ends.length).toBe(1);
  while (ends.length < 2) await Bun.sleep(5);
  expect(ranges()).toEqual(["1-1", "2-2"]);
});

test("gaps and numbered rejects count as ticks of their batch, rejects without a number join any batch", async () => {
  const { dispatcher, ends, log } = recordingDispatcher(1);
  dispatcher.tick(1n, tickBytes(1n));
  await dispatcher.gap(2n, "missing");
  await dispatcher.gap(3n, "missing");
  await dispatcher.gap(4n, "other");
  dispatcher.tick(5n, tickBytes(5n));
  await dispatcher.reject(6n, "bad", "a numbered reject", new Uint8Array(0));
  await dispatcher.reject(undefined, "unreadable", "no number", new Uint8Array(3));
  await dispatcher.gap(9n, "missing"); // a break: batch 2-6 closes
  await dispatcher.flush();
  expect(log).toEqual(["tick 1", "end 1-1", "tick 5", "reject 6", "reject undefined", "end 2-6", "end 9-9"]);
  expect(ends[1]!.gaps).toEqual([
    { first: "2", last: "3", reason: "missing" },
    { first: "4", last: "4", reason: "other" },
  ]);
  expect(ends[2]!.gaps).toEqual([{ first: "9", last: "9", reason: "missing" }]);
  expect(dispatcher.ticksInFlight).toBe(7); // 1-6 and 9; the reject without a number is not a tick
});

test("gapRange closes the open batch and records the run as one batch however long, beyond BUFFER_SIZE", async () => {
  const { dispatcher, ends, log, commit } = recordingDispatcher(1, { bufferSize: 100 });
  dispatcher.tick(1n, tickBytes(1n));
  dispatcher.tick(2n, tickBytes(2n));
  await dispatcher.gapRange(3n, 1_000_002n, "pruned");
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "end 2-2", "end 3-1000002"]);
  expect(ends[2]!.gaps).toEqual([{ first: "3", last: "1000002", reason: "pruned" }]);
  expect(dispatcher.ticksInFlight).toBe(1_000_002);
  const events: string[] = [];
  const placed = noted(events, "tick 1000003", dispatcher.tick(1_000_003n, tickBytes(3n)));
  await settle();
  events.push("commit 3-1000002");
  commit(ends[2]!);
  await placed;
  expect(events).toEqual(["commit 3-1000002", "tick 1000003"]);
  expect(dispatcher.ticksInFlight).toBe(3);
});

test("the abort wakes the call waiting for room with Aborted, and fails the calls after it", async () => {
  const { dispatcher, log, abort } = recordingDispatcher(1, { bufferSize: 2 });
  dispatcher.tick(1n, tickBytes(1n));
  dispatcher.tick(2n, tickBytes(2n));
  const waiting = dispatcher.tick(3n, tickBytes(3n));
  const queued = dispatcher.gap(4n, "missing");
  await settle();
  abort();
  const [tick, gap] = await Promise.allSettled([waiting, queued]);
  expect(tick.status === "rejected" && tick.reason).toBeInstanceOf(Aborted);
  expect(gap.status === "rejected" && gap.reason).toBeInstanceOf(Aborted);
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "end 2-2"]);
});

test("after the abort a tick fails with Aborted, and flush still sends the open batch on its way", async () => {
  const { dispatcher, log, abort } = recordingDispatcher(1);
  dispatcher.tick(1n, tickBytes(1n));
  dispatcher.tick(2n, tickBytes(2n));
  abort();
  await expect(dispatcher.tick(3n, tickBytes(3n)) as Promise<void>).rejects.toBeInstanceOf(Aborted);
  await dispatcher.flush();
  expect(log).toEqual(["tick 1", "end 1-1", "tick 2", "end 2-2"]);
});

test("the commits of a batch a Worker split free its ticks as they commit, and its bytes with the last part", async () => {
  const { dispatcher, ends, commit } = recordingDispatcher(1, { batchSize: 4, bufferBytes: 45 });
  for (let n = 1n; n <= 5n; n++) dispatcher.tick(n, tickBytes(n, 10)); // batches 1-1 and 2-5: 50 bytes
  commit(ends[0]!);
  expect([dispatcher.ticksInFlight, dispatcher.recordBytesInFlight]).toEqual([4, 40]);
  dispatcher.tick(6n, tickBytes(6n, 10));
  const events: string[] = [];
  const placed = noted(events, "tick 7", dispatcher.tick(7n, tickBytes(7n, 10)));
  await settle();
  events.push("commit 2-3");
  commit(ends[1]!, "2", "3");
  expect([dispatcher.ticksInFlight, dispatcher.recordBytesInFlight]).toEqual([3, 50]);
  await settle();
  events.push("commit 4-5");
  commit(ends[1]!, "4", "5");
  await placed;
  expect(events).toEqual(["commit 2-3", "commit 4-5", "tick 7"]);
  expect([dispatcher.ticksInFlight, dispatcher.recordBytesInFlight]).toEqual([2, 20]);
});

test("at BUFFER_SIZE a part of a split batch that commits makes room at once", async () => {
  const { dispatcher, ends, commit } = recordingDispatcher(1, { batchSize: 4, bufferSize: 5 });
  for (let n = 1n; n <= 5n; n++) dispatcher.tick(n, tickBytes(n));
  const events: string[] = [];
  const placed = noted(events, "tick 6", dispatcher.tick(6n, tickBytes(6n)));
  await settle();
  events.push("commit 2-3");
  commit(ends[1]!, "2", "3");
  await placed;
  expect(events).toEqual(["commit 2-3", "tick 6"]);
  expect(dispatcher.ticksInFlight).toBe(4);
});
