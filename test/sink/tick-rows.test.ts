import { expect, test } from "bun:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { decodeTick, TickRejected, tickRows } from "../../src/sink/tick-rows.ts";
import { caught } from "../support/caught.ts";

function validTick(): Tick {
  return create(TickSchema, {
    tickNumber: 18446744073709551615n,
    timestamp: 1768028416704159n,
    transactionBatchHash: "ab".repeat(32),
    previousOutput: "cd".repeat(32),
    vdfProof: { input: "01".repeat(32), output: "02".repeat(32), proof: "03".repeat(32), iterations: 1_000_000n },
    transactions: [
      {
        transaction: {
          txId: "id\twith\ttabs",
          payload: new Uint8Array([0, 1, 2]),
          signature: new Uint8Array([9]),
          publicKey: new Uint8Array([8]),
          nonce: 9007199254740993n,
          timestamp: 1n,
        },
        sequenceNumber: 0n,
        txHash: "ef".repeat(32),
        ingestionTimestamp: 2n,
      },
    ],
  });
}

function rejection(mutate: (t: Tick) => void) {
  const tick = validTick();
  mutate(tick);
  return caught(TickRejected, () => tickRows(tick)).rejection;
}

test("a valid tick becomes one row per table, uint64 values exact", () => {
  const rows = tickRows(validTick());
  expect(rows.tick).toBe(`18446744073709551615\t2026-01-10T07:00:16.704159+00\t${"ab".repeat(32)}\t${"cd".repeat(32)}\t1\n`);
  expect(rows.vdfProof.endsWith("\t1000000\n")).toBe(true);
  expect(rows.transactions).toBe(
    `18446744073709551615\t2026-01-10T07:00:16.704159+00\t0\t${"ef".repeat(32)}\tid\\twith\\ttabs\t\\\\x000102\t\\\\x09\t\\\\x08\t9007199254740993\t1\t2\n`,
  );
});

test("each invalid field is rejected with a reason naming it", () => {
  expect(rejection((t) => (t.tickNumber = 0n))).toEqual({ code: "zero_tick_number", detail: "tick_number is 0" });
  expect(rejection((t) => (t.vdfProof = undefined))).toEqual({ code: "missing_vdf_proof", detail: "vdf_proof is missing" });
  expect(rejection((t) => (t.vdfProof!.output = ""))).toEqual({ code: "missing_vdf_proof", detail: "vdf_proof.output is empty" });
  expect(rejection((t) => (t.transactions[0]!.txHash = ""))).toEqual({
    code: "invalid_transaction",
    detail: "transactions[0].tx_hash is empty",
  });
  // 64 hex characters is the sequencer's hash (SHA-256 in hex); a 24,000-character one is refused by the index (54000).
  expect(rejection((t) => (t.transactions[0]!.txHash = "a".repeat(24_000)))).toEqual({
    code: "invalid_transaction",
    detail: "transactions[0].tx_hash is not 64 hexadecimal characters (24000 characters)",
  });
  expect(rejection((t) => (t.transactions[0]!.txHash = "zz".repeat(32))).detail).toBe(
    "transactions[0].tx_hash is not 64 hexadecimal characters (64 characters)",
  );
  expect(rejection((t) => (t.transactions[0]!.transaction!.signature = new Uint8Array()))).toEqual({
    code: "invalid_transaction",
    detail: "transactions[0].transaction.signature is empty",
  });
  expect(rejection((t) => (t.transactions[0]!.transaction!.publicKey = new Uint8Array())).detail).toBe(
    "transactions[0].transaction.public_key is empty",
  );
  expect(rejection((t) => (t.transactions[0]!.transaction = undefined)).detail).toBe("transactions[0].transaction is missing");
  expect(rejection((t) => (t.transactions[0]!.transaction!.txId = "nul\0here"))).toEqual({
    code: "nul_in_text",
    detail: "transactions[0].transaction.tx_id contains a NUL character, which PostgreSQL text cannot store",
  });
  expect(rejection((t) => (t.timestamp = 18446744073709551615n)).code).toBe("timestamp_out_of_range");
});

test("bytes that are not a Tick are rejected as undecodable", () => {
  expect(() => decodeTick(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(TickRejected);
  expect(decodeTick(toBinary(TickSchema, validTick())).tickNumber).toBe(18446744073709551615n);
});
