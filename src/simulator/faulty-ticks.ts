// What a tick with a content fault looks like on the wire. Each is derived from the normal tick, so
// it is as deterministic as the rest; GetTick serves the same bytes as the streams, as a real faulty
// sequencer would.
import { create, toBinary } from "@bufbuild/protobuf";
import { TickSchema, TransactionSchema, type Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { ContentFault, HostileKind, InvalidKind } from "./faults.ts";
import { KeyedRandom } from "./random.ts";
import { batchHash, encodeTick, generateTick, generateTransaction, sealTransaction, type TickShape } from "./ticks.ts";
import { FIXED64, LENGTH_DELIMITED, VARINT, WireWriter, varintSize } from "./wire.ts";

/** tx_id of a `tabs` tick: every character that breaks naive text formats, COPY's among them. */
export const HOSTILE_TEXT = "tab\there|newline\nhere|crlf\r\n|backslash\\here|\\N|\n\\.\n|quotes\"'|emoji 🦀🚀👩‍👩‍👧|end";
/** tx_id of a `nul` tick. */
export const NUL_TEXT = "nul\u0000inside";
export const BIG_NONCE = 2n ** 53n + 1n;
export const MAX_NONCE = 2n ** 64n - 1n;
/** previous_output of a `broken-chain` tick: not the VDF output of the tick before it. */
export const BROKEN_LINK = "0".repeat(64);

/** Timestamp of a `future-timestamp` tick: 2100-01-01, in microseconds. */
export const FUTURE_TIMESTAMP = 4_102_444_800_000_000n;

/** Payload of a `big-payload` tick: 4 MiB, so the tick exceeds gRPC's default 4 MiB message limit. */
export const BIG_PAYLOAD_BYTES = 4 * 1024 * 1024;
const BIG_PAYLOAD = 3;
/** Payload of an `oversize` tick: 17 MiB, more than the ingester accepts in one message (16 MiB). */
export const OVERSIZE_PAYLOAD_BYTES = 17 * 1024 * 1024;

/** Bytes that start like tick n, then announce a 100-byte vdf_proof and end after 10: no decoder accepts them. */
export function garbageBytes(n: bigint): Buffer {
  return new WireWriter(1 + varintSize(n) + 2 + 10)
    .tag(1, VARINT)
    .varint(n)
    .tag(2, LENGTH_DELIMITED)
    .varint(100)
    .raw(Buffer.alloc(10, 0xff))
    .finish();
}

/** The tick's first transaction, after adding one when the tick carries none. */
function firstTransaction(shape: TickShape, n: bigint, tick: Tick) {
  if (tick.transactions.length === 0) tick.transactions.push(generateTransaction(shape, n, 0));
  const ordered = tick.transactions[0]!;
  ordered.transaction ??= create(TransactionSchema);
  return { ordered, transaction: ordered.transaction };
}

function reseal(tick: Tick): void {
  sealTransaction(tick.transactions[0]!);
  tick.transactionBatchHash = batchHash(tick.transactions);
}

function makeInvalid(shape: TickShape, n: bigint, tick: Tick, kind: InvalidKind): void {
  if (kind === "zero-tick") tick.tickNumber = 0n;
  if (kind === "no-vdf") tick.vdfProof = undefined;
  if (kind === "unsigned-tx") {
    firstTransaction(shape, n, tick).transaction.signature = new Uint8Array();
    reseal(tick);
  }
}

function makeHostile(shape: TickShape, n: bigint, tick: Tick, kind: HostileKind): void {
  if (kind === "broken-chain") {
    tick.previousOutput = BROKEN_LINK;
    return;
  }
  if (kind === "zero-timestamp" || kind === "future-timestamp") {
    tick.timestamp = kind === "zero-timestamp" ? 0n : FUTURE_TIMESTAMP;
    return;
  }
  const { transaction } = firstTransaction(shape, n, tick);
  if (kind === "tabs") transaction.txId = HOSTILE_TEXT;
  if (kind === "nul") transaction.txId = NUL_TEXT;
  if (kind === "big-nonce") transaction.nonce = BIG_NONCE;
  if (kind === "max-nonce") transaction.nonce = MAX_NONCE;
  if (kind === "big-payload") transaction.payload = new KeyedRandom(shape.seed, n, BIG_PAYLOAD).bytes(BIG_PAYLOAD_BYTES);
  if (kind === "oversize") transaction.payload = new KeyedRandom(shape.seed, n, BIG_PAYLOAD).bytes(OVERSIZE_PAYLOAD_BYTES);
  reseal(tick);
}

/**
 * A `two-numbers` tick: tick n's bytes followed by field 1 again, tagged fixed64, whose eight bytes
 * also read as the varint n-1 and then an unknown field: a reader that ignores the wire type, or
 * takes the first occurrence rather than the last, sees another number than one that does not.
 */
export function twoNumbersBytes(bytes: Uint8Array, n: bigint): Buffer {
  const size = varintSize(n - 1n);
  if (size > 6) throw new Error(`two-numbers needs a tick number below 2^42, got ${n}`);
  const padding = 8 - size - 2; // the unknown field: its tag, its length, zeros
  return new WireWriter(bytes.length + 9)
    .raw(bytes)
    .tag(1, FIXED64)
    .varint(n - 1n)
    .tag(15, LENGTH_DELIMITED)
    .varint(padding)
    .raw(Buffer.alloc(padding))
    .finish();
}

export function faultyTickBytes(shape: TickShape, n: bigint, fault: ContentFault): Uint8Array {
  if (fault.type === "garbage") return garbageBytes(n);
  if (fault.type === "hostile" && fault.kind === "two-numbers") return twoNumbersBytes(encodeTick(shape, n), n);
  const tick = generateTick(shape, n);
  if (fault.type === "invalid") makeInvalid(shape, n, tick, fault.kind);
  else makeHostile(shape, n, tick, fault.kind);
  return toBinary(TickSchema, tick);
}
