import { expect, test } from "bun:test";
import { TickOrder } from "../../src/pipeline/tick-order.ts";
import type { PeekedTick } from "../../src/source/tick-peek.ts";

const enc = new TextEncoder();
const tick = (n: bigint, previous = `out${n - 1n}`): PeekedTick => ({
  tickNumber: n,
  timestamp: 1_768_028_416_704_159n,
  output: enc.encode(`out${n}`),
  previousOutput: enc.encode(previous),
});

test("in-order ticks are accepted; repeats and older ticks are recognised", () => {
  const s = new TickOrder(10n);
  expect(s.offer(tick(10n))).toEqual({ kind: "accept" });
  expect(s.offer(tick(11n))).toEqual({ kind: "accept" });
  expect(s.offer(tick(11n))).toEqual({ kind: "repeat" });
  expect(s.offer(tick(3n))).toEqual({ kind: "repeat" });
  expect(s.next).toBe(12n);
});

test("a skipped number is a gap to fetch, and the tick is offered again after", () => {
  const s = new TickOrder(10n);
  s.offer(tick(10n));
  expect(s.offer(tick(14n))).toEqual({ kind: "gap", first: 11n, last: 13n });
  for (const n of [11n, 12n, 13n]) expect(s.offer(tick(n)).kind).toBe("accept");
  expect(s.offer(tick(14n))).toEqual({ kind: "accept" });
});

test("without a start, the first tick the stream sends is taken", () => {
  const s = new TickOrder(undefined);
  expect(s.next).toBeUndefined();
  expect(s.offer(tick(51548050841n)).kind).toBe("accept");
  expect(s.next).toBe(51548050842n);
});

test("a broken chain is reported with both outputs, and the tick is still accepted", () => {
  const s = new TickOrder(1n);
  s.offer(tick(1n));
  expect(s.offer(tick(2n, "forged"))).toEqual({ kind: "accept", chainBreak: { tickNumber: 2n, expected: "out1", got: "forged" } });
  expect(s.offer(tick(3n))).toEqual({ kind: "accept" });
});

test("no chain check across a tick whose output is unknown", () => {
  const s = new TickOrder(1n);
  s.offer(tick(1n));
  s.pass(2n); // a gap: GetTick did not have it
  expect(s.offer(tick(3n, "anything"))).toEqual({ kind: "accept" });
});

test("ticks committed before a restart are skipped, not stored again", () => {
  const s = new TickOrder(100n, [
    [150n, 199n],
    [300n, 309n],
  ]);
  for (let n = 100n; n < 150n; n++) expect(s.offer(tick(n)).kind).toBe("accept");
  for (let n = 150n; n < 200n; n++) expect(s.offer(tick(n)).kind).toBe("committed");
  expect(s.offer(tick(200n)).kind).toBe("accept");
  expect(s.isCommitted(305n)).toBe(true);
  expect(s.isCommitted(310n)).toBe(false);
});

test("committedWithin clips the committed ranges to the asked range", () => {
  const s = new TickOrder(100n, [
    [150n, 199n],
    [300n, 309n],
    [400n, 410n],
  ]);
  expect(s.committedWithin(160n, 305n)).toEqual([
    [160n, 199n],
    [300n, 305n],
  ]);
  expect(s.committedWithin(200n, 299n)).toEqual([]);
});

test("asking about ticks ahead does not forget the committed ranges before them (the backfill looks ahead)", () => {
  const s = new TickOrder(100n, [
    [103n, 114n],
    [120n, 131n],
  ]);
  expect(s.isCommitted(125n)).toBe(true); // a look-ahead past the first range
  for (let n = 103n; n <= 114n; n++) expect(s.isCommitted(n)).toBe(true);
  expect(s.isCommitted(115n)).toBe(false);
  expect(s.committedWithin(100n, 140n)).toEqual([
    [103n, 114n],
    [120n, 131n],
  ]);
  s.pass(114n);
  expect(s.isCommitted(120n)).toBe(true);
});
