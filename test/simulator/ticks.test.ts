// The tick generator on its own: deterministic, shaped like real ticks, and encoded exactly as the
// generated protobuf code would encode it.
import { expect, test } from "bun:test";
import { toBinary } from "@bufbuild/protobuf";
import { TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { KeyedRandom } from "../../src/simulator/random.ts";
import { batchHash, encodeTick, generateTick, sha256Hex, vdfOutput, type TickShape } from "../../src/simulator/ticks.ts";
import { TransactionSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { WORKLOADS } from "../../src/simulator/workloads.ts";

const F = 51_548_050_841n;
const shape = (overrides: Partial<TickShape> = {}): TickShape => ({
  seed: 7,
  firstTick: F,
  genesisMicros: 1_768_028_416_704_159n,
  ticksPerSecond: 1000,
  ...WORKLOADS.sparse,
  ...overrides,
});
const HEX64 = /^[0-9a-f]{64}$/;

test("a tick is a function of the seed and its number: same bytes every time, other bytes for another seed", () => {
  const n = F + 12_345n;
  expect(encodeTick(shape(), n)).toEqual(encodeTick(shape(), n));
  expect(encodeTick(shape(), n)).not.toEqual(encodeTick(shape({ seed: 8 }), n));
  expect(encodeTick(shape(), n)).not.toEqual(encodeTick(shape(), n + 1n));
});

test("the direct encoding equals toBinary of the decoded tick, for sparse, heavy and big tick numbers", () => {
  const cases: [TickShape, bigint][] = [
    [shape(), F],
    [shape({ ...WORKLOADS.heavy }), F + 3n],
    [shape({ txRatio: 1, txsPerTick: 2 }), F + 4n],
    [shape({ firstTick: 2n ** 64n - 100n }), 2n ** 64n - 1n],
    [shape({ firstTick: 1n, payloadBytes: 0, txRatio: 1, txsPerTick: 1 }), 1n],
  ];
  for (const [s, n] of cases) {
    const bytes = encodeTick(s, n);
    expect(Buffer.from(toBinary(TickSchema, generateTick(s, n))).equals(bytes)).toBe(true);
  }
});

test("ticks look like the real ones", () => {
  const s = shape({ ...WORKLOADS.heavy });
  const n = F + 100n;
  const tick = generateTick(s, n);
  expect(tick.tickNumber).toBe(n);
  expect(tick.timestamp).toBe(1_768_028_416_704_159n + 100_000n);
  expect(tick.vdfProof?.iterations).toBe(1_000_000n);
  expect(tick.vdfProof?.input).toMatch(HEX64);
  expect(tick.vdfProof?.output).toMatch(HEX64);
  expect(tick.vdfProof?.proof).toMatch(/^[0-9a-f]{256}$/);
  expect(tick.previousOutput).toBe(generateTick(s, n - 1n).vdfProof!.output);
  expect(tick.transactions).toHaveLength(10);
  expect(tick.transactionBatchHash).toBe(batchHash(tick.transactions));
  tick.transactions.forEach((ordered, index) => {
    const tx = ordered.transaction!;
    expect(ordered.sequenceNumber).toBe(BigInt(index));
    expect(ordered.txHash).toMatch(HEX64);
    expect(ordered.txHash).toBe(sha256Hex(toBinary(TransactionSchema, tx)));
    expect(ordered.ingestionTimestamp).toBeLessThanOrEqual(tick.timestamp);
    expect(ordered.ingestionTimestamp).toBeGreaterThan(tx.timestamp);
    expect(tx.txId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(tx.payload).toHaveLength(256);
    expect(tx.signature).toHaveLength(64);
    expect(tx.publicKey).toHaveLength(32);
    expect(tx.nonce).toBeGreaterThan(0n);
  });
  expect(new Set(tick.transactions.map((t) => t.txHash)).size).toBe(10);
});

test("an empty tick's batch hash is the SHA-256 of nothing", () => {
  const tick = generateTick(shape({ txRatio: 0 }), F);
  expect(tick.transactions).toHaveLength(0);
  expect(tick.transactionBatchHash).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

test("the sparse workload: about 0.15% of ticks carry 1 or 2 transactions", () => {
  const s = shape();
  const counts = new Map<number, number>();
  for (let i = 0n; i < 200_000n; i++) {
    const bytes = encodeTick(s, F + i);
    // Empty ticks all have the same size; only those with transactions need decoding.
    if (bytes.length > 560) {
      const size = generateTick(s, F + i).transactions.length;
      counts.set(size, (counts.get(size) ?? 0) + 1);
    }
  }
  const carrying = (counts.get(1) ?? 0) + (counts.get(2) ?? 0);
  expect([...counts.keys()].sort()).toEqual([1, 2]);
  expect(carrying).toBeGreaterThan(200);
  expect(carrying).toBeLessThan(400);
});

test("the rate spaces timestamps: 1 tick per second is 1,000,000 µs apart", () => {
  const s = shape({ ticksPerSecond: 1 });
  expect(generateTick(s, F + 5n).timestamp - generateTick(s, F + 4n).timestamp).toBe(1_000_000n);
});

test("previous_output links every tick to the one before, from the first tick on", () => {
  const s = shape();
  let previous = generateTick(s, F);
  expect(previous.previousOutput).toBe(vdfOutput(s, F - 1n));
  for (let n = F + 1n; n < F + 500n; n++) {
    const tick = generateTick(s, n);
    expect(tick.previousOutput).toBe(previous.vdfProof!.output);
    previous = tick;
  }
});

test("a tick before the first does not exist", () => {
  expect(() => encodeTick(shape(), F - 1n)).toThrow(/before the first tick/);
});

test("KeyedRandom writes the same hex into a buffer as it returns as a string", () => {
  for (const length of [1, 3, 32, 33]) {
    const target = new Uint8Array(length * 2);
    new KeyedRandom(1, 99n, 5).hexInto(target, 0, length);
    expect(new TextDecoder().decode(target)).toBe(new KeyedRandom(1, 99n, 5).hex(length));
  }
});
