// The simulator over loopback: what StreamTicks, GetTick, GetStatus and GetChainState answer.
import { afterEach, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { nowMicros } from "../../src/simulator/chain.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import { WORKLOADS } from "../../src/simulator/workloads.ts";
import { TestClient, decodeTick, embeddedTickBytes, range, tickNumbers } from "./client.ts";

const F = 51_548_050_841n;
const running: { simulator: Simulator; client: TestClient }[] = [];

async function serve(options: Partial<SimulatorOptions>) {
  const simulator = await startSimulator({ rate: 0, firstTick: F, ...options });
  const client = new TestClient(simulator.address);
  running.push({ simulator, client });
  return { simulator, client };
}

afterEach(async () => {
  for (const { simulator, client } of running.splice(0)) {
    client.close();
    await simulator.stop();
  }
});

test("rate 0, stop-at: StreamTicks(first) gives every tick to stop-at in order, then stays open and idle", async () => {
  const { simulator, client } = await serve({ stopAt: F + 49_999n });
  const { messages, end } = await client.stream(F, { idleMs: 500 });
  expect(end.by).toBe("idle");
  expect(tickNumbers(messages)).toEqual(range(F, F + 49_999n));
  let previous = decodeTick(messages[0]!);
  for (const bytes of messages.slice(1)) {
    const tick = decodeTick(bytes);
    expect(tick.previousOutput).toBe(previous.vdfProof!.output);
    previous = tick;
  }
  expect(messages.every((bytes, i) => bytes.equals(simulator.tickBytes(F + BigInt(i))))).toBe(true);
  expect(simulator.head()).toBe(F + 49_999n);
});

test("a replay and GetTick serve the very same bytes as the first stream", async () => {
  const { simulator, client } = await serve({ stopAt: F + 299n, ...WORKLOADS.heavy });
  const first = await client.stream(F, { count: 300 });
  const replay = await client.stream(F + 100n, { count: 200 });
  expect(replay.messages).toEqual(first.messages.slice(100));
  for (const n of [F, F + 150n, F + 299n]) {
    const response = await client.getTickBytes(n);
    expect(Buffer.from(embeddedTickBytes(response)!).equals(first.messages[Number(n - F)]!)).toBe(true);
    expect((await client.getTick(n)).found).toBe(true);
  }
  expect(simulator.tick(F + 7n)).toEqual(decodeTick(first.messages[7]!));
});

test("start_tick 0 starts at the head: the first tick at start, then the furthest tick sent", async () => {
  const { simulator, client } = await serve({ stopAt: F + 99n });
  expect(tickNumbers((await client.stream(0n, { count: 1 })).messages)).toEqual([F]);
  await client.stream(F, { count: 100 });
  expect(simulator.head()).toBe(F + 99n);
  expect(tickNumbers((await client.stream(0n, { idleMs: 300 })).messages)).toEqual([F + 99n]);
});

test("at rate 0 the head runs ahead of a slow reader only by what gRPC buffers", async () => {
  const { simulator, client } = await serve({});
  await client.stream(F, { count: 100 });
  expect(simulator.head()).toBeGreaterThanOrEqual(F + 99n);
  expect(simulator.head()).toBeLessThan(F + 5_000n);
});

test("a start tick in history starts there; an older one starts at the oldest tick kept", async () => {
  const { client } = await serve({ history: 100, stopAt: F + 499n });
  await client.stream(F, { count: 500 });
  expect(tickNumbers((await client.stream(F + 450n, { count: 2 })).messages)).toEqual([F + 450n, F + 451n]);
  expect(tickNumbers((await client.stream(F + 400n, { count: 1 })).messages)).toEqual([F + 400n]);
  expect(tickNumbers((await client.stream(F, { count: 1 })).messages)).toEqual([F + 400n]);
  expect(tickNumbers((await client.stream(1n, { count: 1 })).messages)).toEqual([F + 400n]);
});

test("GetTick finds ticks in history only", async () => {
  const { client } = await serve({ history: 100, stopAt: F + 499n });
  await client.stream(F, { count: 500 });
  expect((await client.getTick(F + 399n)).found).toBe(false);
  const oldest = await client.getTick(F + 400n);
  expect(oldest.found).toBe(true);
  expect(oldest.tick?.tickNumber).toBe(F + 400n);
  expect((await client.getTick(F + 499n)).found).toBe(true);
  expect((await client.getTick(F + 500n)).found).toBe(false);
  expect((await client.getTick(0n)).found).toBe(false);
});

test("a start tick not produced yet is waited for: produced on demand at rate 0, never after stop-at", async () => {
  const { client } = await serve({ stopAt: F + 1_010n });
  expect(tickNumbers((await client.stream(F + 1_000n, { count: 2 })).messages)).toEqual([F + 1_000n, F + 1_001n]);
  expect((await client.getTick(F + 1_000n)).found).toBe(true);
  const beyond = await client.stream(F + 2_000n, { idleMs: 300 });
  expect(beyond.messages).toHaveLength(0);
  expect(beyond.end.by).toBe("idle");
});

test("with a rate, ticks come in real time and carry the time they were produced", async () => {
  const rate = 200;
  const { simulator, client } = await serve({ rate });
  const { messages } = await client.stream(0n, { count: 100, idleMs: 2000 });
  const ticks = messages.map(decodeTick);
  expect(ticks.map((t) => t.tickNumber)).toEqual(range(ticks[0]!.tickNumber, ticks[0]!.tickNumber + 99n));
  expect(ticks[99]!.timestamp - ticks[0]!.timestamp).toBe((99n * 1_000_000n) / BigInt(rate));
  const lag = nowMicros() - ticks[99]!.timestamp;
  expect(lag).toBeGreaterThanOrEqual(0n);
  expect(lag).toBeLessThan(250_000n);
  expect(simulator.head() - ticks[99]!.tickNumber).toBeLessThan(50n);
});

test("with a genesis time in the past the chain has been running: the head and history are far along", async () => {
  const rate = 1000;
  const { simulator, client } = await serve({ rate, history: 300, genesisTime: nowMicros() - 10_000_000n });
  const head = simulator.head();
  expect(head - F).toBeGreaterThanOrEqual(10_000n);
  expect(head - F).toBeLessThan(12_000n);
  const [oldest] = tickNumbers((await client.stream(F, { count: 1 })).messages);
  expect(head - oldest!).toBeGreaterThanOrEqual(290n);
  expect(head - oldest!).toBeLessThan(600n);
  const [latest] = tickNumbers((await client.stream(0n, { count: 1 })).messages);
  expect(latest! - head).toBeGreaterThanOrEqual(0n);
});

test("GetStatus and GetChainState describe the head and the latest ticks, newest first", async () => {
  const { client } = await serve({ txRatio: 1, txsPerTick: 2, history: 1000, stopAt: F + 49n });
  await client.stream(F, { count: 50 });
  const status = await client.getStatus();
  expect(status.currentTick).toBe(F + 49n);
  expect(status.totalTransactions).toBe(100n);
  const state = await client.getChainState(3);
  expect(state.chainHeight).toBe(F + 49n);
  expect(state.recentTicks.map((t) => t.tickNumber)).toEqual([F + 49n, F + 48n, F + 47n]);
  expect(Object.keys(state.txToTickSample)).toHaveLength(6);
  expect(state.txToTickSample[state.recentTicks[0]!.transactions[1]!.txHash]).toBe(F + 49n);
  expect((await client.getChainState(0)).recentTicks).toHaveLength(10);
});

test("the methods a reader does not need answer UNIMPLEMENTED", async () => {
  const { client } = await serve({});
  for (const method of ["submitTransaction", "submitBatch", "getTransaction"]) {
    const error = await client.callEmpty(method).catch((e: grpc.ServiceError) => e);
    expect({ method, code: (error as grpc.ServiceError).code }).toEqual({ method, code: grpc.status.UNIMPLEMENTED });
  }
});

test("stop() ends an open stream with UNAVAILABLE", async () => {
  const simulator = await startSimulator({ rate: 0, firstTick: F, stopAt: F + 9n });
  const client = new TestClient(simulator.address);
  const reading = client.stream(F, { idleMs: 5000 });
  await Bun.sleep(200);
  await simulator.stop();
  const { messages, end } = await reading;
  client.close();
  expect(messages).toHaveLength(10);
  expect(end).toMatchObject({ by: "server", code: grpc.status.UNAVAILABLE });
});

test("hostile stream faults: RESOURCE_EXHAUSTED once, ticks renumbered 2^64-2 and 2^64-1 on every stream, junk once; GetTick refused", async () => {
  const { simulator, client } = await serve({
    stopAt: F + 19n,
    faults: { exhaust: [F + 4n], leap: [F + 9n], junk: [{ tick: F + 14n, count: 3 }], refuseGetTick: true },
  });
  const first = await client.stream(F, { idleMs: 500 });
  expect(first.end).toEqual({ by: "server", code: grpc.status.RESOURCE_EXHAUSTED, details: "too many streams" });
  expect(tickNumbers(first.messages)).toEqual(range(F, F + 4n));
  const second = await client.stream(F + 5n, { idleMs: 500 });
  const numbers = second.messages.map((bytes) => (bytes[0] === 0xff ? "junk" : decodeTick(bytes).tickNumber));
  expect(numbers).toEqual([
    ...range(F + 5n, F + 9n),
    2n ** 64n - 2n,
    2n ** 64n - 1n,
    ...range(F + 10n, F + 14n),
    "junk",
    "junk",
    "junk",
    ...range(F + 15n, F + 19n),
  ]);
  expect(second.messages.filter((bytes) => bytes[0] === 0xff).every((bytes) => bytes.byteLength === 64 * 1024)).toBe(true);
  const leapt = decodeTick(second.messages[6]!);
  expect({ ...leapt, tickNumber: F + 9n }).toEqual(simulator.tick(F + 9n));
  const third = await client.stream(F + 8n, { idleMs: 500 });
  expect(third.messages.length).toBe(12 + 2); // the leap again, not the junk
  await expect(client.getTick(F)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
});
