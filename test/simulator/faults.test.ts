// Each fault-injection option does exactly what it says, on the wire, and nothing else.
import { afterEach, expect, test } from "bun:test";
import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { GetTickResponseSchema, TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { BIG_NONCE, BIG_PAYLOAD_BYTES, HOSTILE_TEXT, MAX_NONCE, NUL_TEXT } from "../../src/simulator/faulty-ticks.ts";
import { startSimulator, type Faults, type Simulator } from "../../src/simulator/index.ts";
import { batchHash } from "../../src/simulator/ticks.ts";
import { TestClient, decodeTick, embeddedTickBytes, range, tickNumbers } from "./client.ts";

const F = 51_548_050_841n;
const LAST = F + 29n;
const GENESIS = 1_768_028_416_704_159n;
const running: { simulator: Simulator; client: TestClient }[] = [];

async function serve(faults: Faults, options = {}) {
  const simulator = await startSimulator({ rate: 0, firstTick: F, stopAt: LAST, genesisTime: GENESIS, faults, ...options });
  const client = new TestClient(simulator.address);
  running.push({ simulator, client });
  return { simulator, client };
}

/** The same run without faults, to compare against. */
async function clean() {
  return (await serve({})).simulator;
}

afterEach(async () => {
  for (const { simulator, client } of running.splice(0)) {
    client.close();
    await simulator.stop();
  }
});

test("--omit leaves the ticks out of every stream; GetTick serves them unchanged", async () => {
  const { client } = await serve({ omit: [F + 5n, F + 6n] });
  const reference = await clean();
  for (const start of [F, F + 5n]) {
    const { messages } = await client.stream(start, { idleMs: 300 });
    expect(tickNumbers(messages)).toEqual(range(start, LAST).filter((n) => n !== F + 5n && n !== F + 6n));
  }
  const response = await client.getTick(F + 5n);
  expect(response.found).toBe(true);
  expect(response.tick).toEqual(reference.tick(F + 5n));
});

test("--repeat sends the tick twice in a row, the same bytes", async () => {
  const { simulator, client } = await serve({ repeat: [F + 5n] });
  const { messages } = await client.stream(F, { idleMs: 300 });
  expect(tickNumbers(messages)).toEqual([...range(F, F + 5n), ...range(F + 5n, LAST)]);
  expect(messages[5]).toEqual(messages[6]!);
  expect(messages[5]!.equals(simulator.tickBytes(F + 5n))).toBe(true);
});

test("--invalid zero-tick, no-vdf, unsigned-tx: served that way by the stream and by GetTick, the rest intact", async () => {
  const { simulator, client } = await serve({
    invalid: [
      { tick: F + 3n, kind: "zero-tick" },
      { tick: F + 4n, kind: "no-vdf" },
      { tick: F + 5n, kind: "unsigned-tx" },
    ],
  });
  const reference = await clean();
  const { messages } = await client.stream(F, { idleMs: 300 });
  expect(messages).toHaveLength(30);
  const [zero, noVdf, unsigned] = messages.slice(3, 6).map(decodeTick);
  expect(zero!.tickNumber).toBe(0n);
  expect({ ...zero!, tickNumber: F + 3n }).toEqual(reference.tick(F + 3n));
  expect(noVdf!.vdfProof).toBeUndefined();
  expect(noVdf!.previousOutput).toBe(reference.tick(F + 4n).previousOutput);
  expect(unsigned!.transactions.length).toBeGreaterThanOrEqual(1);
  expect(unsigned!.transactions[0]!.transaction!.signature).toHaveLength(0);
  expect(unsigned!.transactions[0]!.transaction!.publicKey).toHaveLength(32);
  expect(unsigned!.vdfProof).toEqual(reference.tick(F + 5n).vdfProof);
  for (const n of [F + 3n, F + 4n, F + 5n]) {
    const served = embeddedTickBytes(await client.getTickBytes(n))!;
    expect(Buffer.from(served).equals(messages[Number(n - F)]!)).toBe(true);
    expect(simulator.tickBytes(n)).toEqual(served);
  }
  expect(messages.slice(6).map(decodeTick)).toEqual(range(F + 6n, LAST).map((n) => reference.tick(n)));
});

test("--garbage sends bytes that do not decode, and GetTick serves the same bytes", async () => {
  const { simulator, client } = await serve({ garbage: [F + 5n] });
  const { messages } = await client.stream(F, { idleMs: 300 });
  expect(messages).toHaveLength(30);
  expect(() => fromBinary(TickSchema, messages[5]!)).toThrow();
  expect(tickNumbers(messages.filter((_, i) => i !== 5))).toEqual(range(F, LAST).filter((n) => n !== F + 5n));
  const response = await client.getTickBytes(F + 5n);
  expect(() => fromBinary(GetTickResponseSchema, response)).toThrow();
  expect(Buffer.from(embeddedTickBytes(response)!).equals(messages[5]!)).toBe(true);
  expect(simulator.tickBytes(F + 5n)).toEqual(messages[5]!);
  expect(() => simulator.tick(F + 5n)).toThrow(/garbage/);
});

test("--stall pauses before the tick, the first time a stream gets there only", async () => {
  const { client } = await serve({ stall: [{ tick: F + 5n, ms: 600 }] });
  const first = await client.stream(F, { idleMs: 1000 });
  expect(tickNumbers(first.messages)).toEqual(range(F, LAST));
  expect(first.arrivals[5]! - first.arrivals[4]!).toBeGreaterThanOrEqual(550);
  const gaps = first.arrivals.slice(1).map((at, i) => at - first.arrivals[i]!);
  expect(gaps.filter((gap) => gap > 300)).toHaveLength(1);
  const second = await client.stream(F, { idleMs: 300 });
  expect(second.arrivals[5]! - second.arrivals[4]!).toBeLessThan(300);
});

test("--drop-every N ends the stream with UNAVAILABLE after tick first+kN-1, once per break point", async () => {
  const { client } = await serve({ dropEvery: 10 });
  const first = await client.stream(F, { idleMs: 1000 });
  expect(tickNumbers(first.messages)).toEqual(range(F, F + 9n));
  expect(first.end).toMatchObject({ by: "server", code: grpc.status.UNAVAILABLE });
  const resumed = await client.stream(F + 10n, { idleMs: 1000 });
  expect(tickNumbers(resumed.messages)).toEqual(range(F + 10n, F + 19n));
  expect(resumed.end).toMatchObject({ by: "server", code: grpc.status.UNAVAILABLE });
  // Both break points are spent: a replay from the start runs to the next one.
  const replay = await client.stream(F, { idleMs: 1000 });
  expect(tickNumbers(replay.messages)).toEqual(range(F, F + 29n));
  expect(replay.end).toMatchObject({ by: "server", code: grpc.status.UNAVAILABLE });
});

test("--hostile puts hostile values in the first transaction, hashes kept consistent", async () => {
  const kinds = ["tabs", "nul", "big-nonce", "max-nonce", "big-payload"] as const;
  const { client } = await serve({ hostile: kinds.map((kind, i) => ({ tick: F + BigInt(i), kind })) });
  const reference = await clean();
  const { messages } = await client.stream(F, { idleMs: 1000 });
  expect(tickNumbers(messages)).toEqual(range(F, LAST));
  const ticks = messages.slice(0, 5).map(decodeTick);
  const first = ticks.map((tick) => tick.transactions[0]!.transaction!);
  expect(first[0]!.txId).toBe(HOSTILE_TEXT);
  expect(first[0]!.txId).toContain("\t");
  expect(first[0]!.txId).toContain("🦀");
  expect(first[1]!.txId).toBe(NUL_TEXT);
  expect(first[1]!.txId).toContain("\u0000");
  expect(first[2]!.nonce).toBe(BIG_NONCE);
  expect(first[3]!.nonce).toBe(2n ** 64n - 1n);
  expect(first[3]!.nonce).toBe(MAX_NONCE);
  expect(first[4]!.payload).toHaveLength(BIG_PAYLOAD_BYTES);
  expect(messages[4]!.length).toBeGreaterThan(4 * 1024 * 1024);
  for (const [i, tick] of ticks.entries()) {
    expect(tick.transactionBatchHash).toBe(batchHash(tick.transactions));
    expect(tick.transactions[0]!.txHash).not.toBe(reference.tick(F + BigInt(i)).transactions[0]?.txHash);
    expect(tick.previousOutput).toBe(reference.tick(F + BigInt(i)).previousOutput);
  }
  const big = await client.getTickBytes(F + 4n);
  expect(Buffer.from(embeddedTickBytes(big)!).equals(messages[4]!)).toBe(true);
});

test("conflicting or misplaced faults are refused, naming the tick", async () => {
  const refuse = (faults: Faults) => startSimulator({ firstTick: F, faults });
  await expect(refuse({ omit: [F + 1n], repeat: [F + 1n] })).rejects.toThrow(`tick ${F + 1n} cannot be both omitted and repeated`);
  await expect(refuse({ garbage: [F], invalid: [{ tick: F, kind: "no-vdf" }] })).rejects.toThrow(`tick ${F} has two content faults`);
  await expect(refuse({ omit: [F - 1n] })).rejects.toThrow(`omit: tick ${F - 1n} is before the first tick ${F}`);
});
