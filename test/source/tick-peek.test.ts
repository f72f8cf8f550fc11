import { expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { peekTick } from "../../src/source/tick-peek.ts";

const text = new TextDecoder();

test("peekTick agrees with the generated decoder on simulated ticks, hostile ones included", async () => {
  const first = 51_548_050_841n;
  const sim = await startSimulator(
    simulatorDefaults({
      rate: 0,
      firstTick: first,
      txRatio: 0.5,
      txsPerTick: 3,
      faults: {
        hostile: [
          { tick: first + 1n, kind: "max-nonce" },
          { tick: first + 2n, kind: "tabs" },
        ],
        invalid: [{ tick: first + 3n, kind: "no-vdf" }],
      },
    }),
  );
  try {
    for (let n = first; n < first + 2000n; n++) {
      const bytes = sim.tickBytes(n);
      const peeked = peekTick(bytes);
      const decoded = fromBinary(TickSchema, bytes);
      expect({
        n: peeked.tickNumber,
        timestamp: peeked.timestamp,
        output: text.decode(peeked.output),
        previous: text.decode(peeked.previousOutput),
      }).toEqual({
        n: decoded.tickNumber,
        timestamp: decoded.timestamp,
        output: decoded.vdfProof?.output ?? "",
        previous: decoded.previousOutput,
      });
    }
  } finally {
    await sim.stop();
  }
});

test("tick numbers keep every bit up to 2^64-1", () => {
  for (const n of [1n, 127n, 128n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]) {
    expect(peekTick(toBinary(TickSchema, create(TickSchema, { tickNumber: n }))).tickNumber).toBe(n);
  }
});

test("bytes that are not a Tick are refused", () => {
  for (const bytes of [
    [0x08],
    [0x12, 0x05, 0x01],
    [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    [0x0f],
    [0x00],
  ]) {
    expect(() => peekTick(new Uint8Array(bytes))).toThrow();
  }
});

test("a message that says its number twice, or under another wire type, is refused: it could be filed under one number and stored under another", async () => {
  const first = 51_548_050_841n;
  const n = first + 10n;
  const sim = await startSimulator(
    simulatorDefaults({ rate: 0, firstTick: first, faults: { hostile: [{ tick: n, kind: "two-numbers" }] } }),
  );
  try {
    const bytes = sim.tickBytes(n);
    expect(fromBinary(TickSchema, bytes).tickNumber).toBe(n - 1n); // what a Worker would store it as
    expect(() => peekTick(bytes)).toThrow("field 1 (tick_number) has wire type Bit64, not Varint");
  } finally {
    await sim.stop();
  }
  const twice = new Uint8Array([
    ...toBinary(TickSchema, create(TickSchema, { tickNumber: 100n })),
    ...toBinary(TickSchema, create(TickSchema, { tickNumber: 99n })),
  ]);
  expect(fromBinary(TickSchema, twice).tickNumber).toBe(99n);
  expect(() => peekTick(twice)).toThrow("field 1 (tick_number) appears twice");
  const proof = (output: string) => toBinary(TickSchema, create(TickSchema, { tickNumber: 5n, vdfProof: { output } }));
  const twoProofs = new Uint8Array([...proof("a"), ...proof("b").subarray(2)]);
  expect(() => peekTick(twoProofs)).toThrow("field 2 (vdf_proof) appears twice");
});
