// A batch is bounded in bytes as well as in ticks: large ticks close it early, so that its COPY
// data stays far from JavaScript's string limit (250 ticks of 4 MiB would be 2 GiB of hex).
// The Worker pool is faked: this tests only where the dispatcher closes batches. Its one Worker
// never commits, so it is busy from the first batch on; each test opens with a tick that makes it
// so, and the batches after grow until their bounds close them.
import { expect, test } from "bun:test";
import { recordingDispatcher } from "../support/dispatcher.ts";

test("a batch closes when its ticks' bytes reach BATCH_BYTES, long before BATCH_SIZE", async () => {
  const { dispatcher, ranges } = recordingDispatcher(1, { batchBytes: 10_000 });
  await dispatcher.tick(0n, new Uint8Array(1));
  const big = new Uint8Array(4_000);
  for (let n = 1n; n <= 7n; n++) await dispatcher.tick(n, big);
  await dispatcher.flush();
  expect(ranges()).toEqual(["0-0", "1-3", "4-6", "7-7"]);
});

test("the tick that passes BATCH_BYTES closes its batch: a batch holds at most BATCH_BYTES plus one tick", async () => {
  const { dispatcher, ranges } = recordingDispatcher(1, { batchBytes: 10_000 });
  await dispatcher.tick(0n, new Uint8Array(1));
  await dispatcher.tick(1n, new Uint8Array(100));
  await dispatcher.tick(2n, new Uint8Array(50_000));
  await dispatcher.tick(3n, new Uint8Array(100));
  await dispatcher.flush();
  expect(ranges()).toEqual(["0-0", "1-2", "3-3"]);
});
