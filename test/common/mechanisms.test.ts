// The small shared mechanisms of src/common: what each promises its many callers.
import { expect, test } from "bun:test";
import { backoff } from "../../src/common/backoff.ts";
import { errorMessage } from "../../src/common/errors.ts";
import { WaitingQueue, WakeUp } from "../../src/common/waiting-queue.ts";

test("backoff doubles from 100 ms after each failure and stops at 5 s, or at the range given", () => {
  expect([0, 1, 2, 5, 6, 40].map((failures) => backoff(failures))).toEqual([100, 200, 400, 3_200, 5_000, 5_000]);
  expect([0, 3, 4].map((failures) => backoff(failures, { minMs: 10, maxMs: 100 }))).toEqual([10, 80, 100]);
});

test("errorMessage gives an error's message, and any other thrown value as text", () => {
  expect(errorMessage(new TypeError("bad type"))).toBe("bad type");
  expect(errorMessage({ message: "from a plain object" })).toBe("from a plain object");
  expect(errorMessage("a string")).toBe("a string");
  expect(errorMessage(undefined)).toBe("undefined");
  expect(errorMessage(null)).toBe("null");
  expect(errorMessage({ message: 42 })).toBe("[object Object]");
});

test("a WaitingQueue hands items out in order, to readers that came first, and ends every reader once closed and empty", async () => {
  const queue = new WaitingQueue<number>();
  const early = [queue.next(), queue.next()];
  queue.push(1);
  queue.push(2);
  queue.push(3);
  expect(await Promise.all(early)).toEqual([1, 2]);
  const waiting = [queue.next(), queue.next()];
  queue.close();
  expect(await Promise.all(waiting)).toEqual([3, undefined]);
  expect(await queue.next()).toBeUndefined();
});

test("a WakeUp wakes whoever waits now, and no later waiter; once closed, no one waits", async () => {
  const wakeUp = new WakeUp();
  const woken: string[] = [];
  const early = [wakeUp.wait().then(() => woken.push("a")), wakeUp.wait().then(() => woken.push("b"))];
  wakeUp.wakeAll();
  await Promise.all(early);
  const late = wakeUp.wait().then(() => woken.push("late"));
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(woken).toEqual(["a", "b"]);
  wakeUp.close();
  await late;
  await wakeUp.wait();
  expect(woken).toEqual(["a", "b", "late"]);
});
