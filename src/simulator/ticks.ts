// The simulator's ticks: each one a pure function of the shape (seed, first tick, genesis time,
// rate, workload) and its tick number, so every replay, reconnect and GetTick serves the same tick.
// Tick n's previous_output is vdfOutput(n - 1), which needs no other tick to compute.
import { createHash } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  OrderedTransactionSchema,
  TickSchema,
  TransactionSchema,
  type OrderedTransaction,
  type Tick,
} from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { KeyedRandom } from "./random.ts";
import { LENGTH_DELIMITED, VARINT, WireWriter, delimitedSize, varintSize } from "./wire.ts";

export interface TickShape {
  seed: number;
  firstTick: bigint;
  /** Timestamp of the first tick, microseconds since the Unix epoch. */
  genesisMicros: bigint;
  /** The rate timestamps advance at; a positive whole number. */
  ticksPerSecond: number;
  /** Fraction of ticks that carry transactions. */
  txRatio: number;
  /** Mean transactions in a tick that carries them; 1.5 gives 1 or 2, each half the time. */
  txsPerTick: number;
  payloadBytes: number;
}

export const VDF_ITERATIONS = 1_000_000n;
const HASH_BYTES = 32;
const HASH_HEX = HASH_BYTES * 2;
const PROOF_BYTES = 128;
const SIGNATURE_BYTES = 64;
const PUBLIC_KEY_BYTES = 32;
const VDF_PROOF_SIZE = 2 * delimitedSize(HASH_HEX) + delimitedSize(PROOF_BYTES * 2) + 1 + varintSize(VDF_ITERATIONS);
/** Everything in a tick but its transactions and its two varints' values. */
const TICK_FIXED_SIZE = 2 + delimitedSize(VDF_PROOF_SIZE) + 2 * delimitedSize(HASH_HEX);

// Each purpose is an independent random sequence for the same tick.
const OUTPUT = 1;
const CONTENT = 2;
const TRANSACTION = 1_000;

const utf8 = new TextEncoder();
const WORDS = [
  "transfer",
  "mint",
  "burn",
  "swap",
  "stake",
  "order",
  "settle",
  "vote",
  "memo",
  "alice",
  "bob",
  "carol",
  "units",
  "to",
  "from",
  "fee",
  "42",
  "0x1f",
].map((word) => utf8.encode(`${word} `));

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const EMPTY_BATCH_HASH = sha256Hex("");

export function tickTimestamp(shape: TickShape, n: bigint): bigint {
  return shape.genesisMicros + ((n - shape.firstTick) * 1_000_000n) / BigInt(shape.ticksPerSecond);
}

export function vdfOutput(shape: TickShape, n: bigint): string {
  return new KeyedRandom(shape.seed, n, OUTPUT).hex(HASH_BYTES);
}

/** The tick's content sequence, positioned after its transaction count has been drawn. */
function contentRandom(shape: TickShape, n: bigint): { random: KeyedRandom; count: number } {
  const random = new KeyedRandom(shape.seed, n, CONTENT);
  const carries = random.fraction() < shape.txRatio;
  const whole = Math.floor(shape.txsPerTick);
  const count = whole + (random.fraction() < shape.txsPerTick - whole ? 1 : 0);
  return { random, count: carries ? count : 0 };
}

/** How many transactions tick n carries: cheap, for counting without building the tick. */
export function transactionCount(shape: TickShape, n: bigint): number {
  return contentRandom(shape, n).count;
}

/** ASCII words, as some real payloads are text. */
function textPayload(random: KeyedRandom, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; ) {
    const word = WORDS[random.below(WORDS.length)]!;
    for (let i = 0; i < word.length && at < length; i++) out[at++] = word[i]!;
  }
  return out;
}

function uuid(random: KeyedRandom): string {
  const h = random.hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[random.below(4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** tx_hash: SHA-256 of the encoded transaction, so content and hash always agree. */
export function sealTransaction(ordered: OrderedTransaction): OrderedTransaction {
  ordered.txHash = sha256Hex(toBinary(TransactionSchema, ordered.transaction ?? create(TransactionSchema)));
  return ordered;
}

/** transaction_batch_hash: SHA-256 over the tick's transaction hashes (of nothing when empty). */
export function batchHash(transactions: readonly { txHash: string }[]): string {
  if (transactions.length === 0) return EMPTY_BATCH_HASH;
  const hash = createHash("sha256");
  for (const ordered of transactions) hash.update(Buffer.from(ordered.txHash, "hex"));
  return hash.digest("hex");
}

/** Transaction `index` of tick n encoded as an OrderedTransaction, whether or not the tick's own
 * count includes it; its tx_hash is the SHA-256 of its encoded Transaction. */
export function encodeTransaction(shape: TickShape, n: bigint, index: number): { bytes: Buffer; txHash: string } {
  const random = new KeyedRandom(shape.seed, n, TRANSACTION + index);
  const tickTime = tickTimestamp(shape, n);
  const clientTime = tickTime - 1_000n - BigInt(random.below(200_000));
  const ingestionTime = tickTime - BigInt(random.below(1_000));
  const nonce = 1 + random.below(1_000_000);
  const payload = random.below(4) === 0 ? textPayload(random, shape.payloadBytes) : undefined;
  const txId = uuid(random);
  // proto3 leaves empty and zero values out of the wire: an empty payload, sequence number 0.
  const payloadSize = shape.payloadBytes > 0 ? delimitedSize(shape.payloadBytes) : 0;
  const transaction = new WireWriter(
    delimitedSize(txId.length) +
      payloadSize +
      delimitedSize(SIGNATURE_BYTES) +
      delimitedSize(PUBLIC_KEY_BYTES) +
      1 +
      varintSize(nonce) +
      1 +
      varintSize(clientTime),
  );
  transaction.tag(1, LENGTH_DELIMITED).ascii(txId);
  if (payload) transaction.tag(2, LENGTH_DELIMITED).bytes(payload);
  else if (payloadSize > 0) transaction.tag(2, LENGTH_DELIMITED).randomBytes(random, shape.payloadBytes);
  transaction.tag(3, LENGTH_DELIMITED).randomBytes(random, SIGNATURE_BYTES);
  transaction.tag(4, LENGTH_DELIMITED).randomBytes(random, PUBLIC_KEY_BYTES);
  transaction.tag(5, VARINT).varint(nonce);
  transaction.tag(6, VARINT).varint(clientTime);
  const transactionBytes = transaction.finish();
  const txHash = sha256Hex(transactionBytes);
  const sequenceSize = index === 0 ? 0 : 1 + varintSize(index);
  const ordered = new WireWriter(
    delimitedSize(transactionBytes.length) + sequenceSize + delimitedSize(HASH_HEX) + 1 + varintSize(ingestionTime),
  );
  ordered.tag(1, LENGTH_DELIMITED).bytes(transactionBytes);
  if (index !== 0) ordered.tag(2, VARINT).varint(index);
  ordered.tag(3, LENGTH_DELIMITED).ascii(txHash);
  ordered.tag(4, VARINT).varint(ingestionTime);
  return { bytes: ordered.finish(), txHash };
}

export function generateTransaction(shape: TickShape, n: bigint, index: number): OrderedTransaction {
  return fromBinary(OrderedTransactionSchema, encodeTransaction(shape, n, index).bytes);
}

/** Tick n as protobuf bytes, exactly as toBinary(TickSchema, generateTick(shape, n)) would encode it. */
export function encodeTick(shape: TickShape, n: bigint): Buffer {
  if (n < shape.firstTick) throw new RangeError(`tick ${n} is before the first tick ${shape.firstTick}`);
  const { random, count } = contentRandom(shape, n);
  const transactions = Array.from({ length: count }, (_, index) => encodeTransaction(shape, n, index));
  const transactionsSize = transactions.reduce((size, { bytes }) => size + delimitedSize(bytes.length), 0);
  const timestamp = tickTimestamp(shape, n);
  const writer = new WireWriter(TICK_FIXED_SIZE + varintSize(n) + varintSize(timestamp) + transactionsSize);
  writer.tag(1, VARINT).varint(n);
  writer.tag(2, LENGTH_DELIMITED).varint(VDF_PROOF_SIZE);
  writer.tag(1, LENGTH_DELIMITED).randomHex(random, HASH_BYTES);
  writer.tag(2, LENGTH_DELIMITED).randomHex(new KeyedRandom(shape.seed, n, OUTPUT), HASH_BYTES);
  writer.tag(3, LENGTH_DELIMITED).randomHex(random, PROOF_BYTES);
  writer.tag(4, VARINT).varint(VDF_ITERATIONS);
  for (const { bytes } of transactions) writer.tag(3, LENGTH_DELIMITED).bytes(bytes);
  writer.tag(4, LENGTH_DELIMITED).ascii(batchHash(transactions));
  writer.tag(5, VARINT).varint(timestamp);
  writer.tag(6, LENGTH_DELIMITED).randomHex(new KeyedRandom(shape.seed, n - 1n, OUTPUT), HASH_BYTES);
  return writer.finish();
}

export function generateTick(shape: TickShape, n: bigint): Tick {
  return fromBinary(TickSchema, encodeTick(shape, n));
}
