import { expect, test } from "bun:test";
import { Watermark } from "../../src/pipeline/watermark.ts";

test("the watermark moves only over contiguous committed ranges", () => {
  const w = new Watermark(100n);
  w.commit(350n, 599n);
  w.commit(600n, 849n);
  expect(w.next).toBe(100n);
  expect(w.committedAhead).toEqual([
    [350n, 599n],
    [600n, 849n],
  ]);
  w.commit(100n, 349n);
  expect(w.next).toBe(850n);
  expect(w.committedAhead).toEqual([]);
});

test("ranges below the watermark are ignored, and ranges beyond 2^64 arithmetic stay exact", () => {
  const max = (1n << 64n) - 1n;
  const w = new Watermark(max - 10n);
  w.commit(1n, 5n);
  expect(w.next).toBe(max - 10n);
  w.commit(max - 10n, max);
  expect(w.next).toBe(max + 1n);
});
