// One tick's wire bytes, validated, become its binary COPY rows in ticks, vdf_proofs and
// tick_transactions, appended to its batch's table buffers; or, when it cannot be stored, a reject
// with the reason. No message objects and no strings per tick: the fields are read where they lie
// (tick-wire.ts) and copied into the buffers. The generated types stay the contract: a message
// that is not in the canonical form the reader knows is decoded by them and encoded again.
import type { Copy } from "./copy-in.ts";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { COPY_HEADER, COPY_TRAILER, CopyBuffer, INT4_BYTES, NUMERIC_MAX_BYTES, TIMESTAMP_BYTES } from "./copy-binary.ts";
import { copyBytea, copyReason, copyRow, copyText, MAX_TIMESTAMP_MICROS } from "./copy-text.ts";
import { F, readTick, TX, TX_SLOTS, wire } from "./tick-wire.ts";

export interface TickRows {
  tickNumber: bigint;
  timestampMicros: bigint;
  transactionCount: number;
  /** Not in the canonical form tick-wire.ts reads: decoded and encoded again by the generated code first. */
  reencoded: boolean;
  /** Where its rows are in its batch's tables: [start, end) in each, in TICK_TABLES order. */
  spans: number[];
}

export interface Rejection {
  /** Short, bounded code for metrics; the detail names the field. */
  code: string;
  detail: string;
}

export class TickRejected extends Error {
  constructor(readonly rejection: Rejection) {
    super(`${rejection.code}: ${rejection.detail}`);
  }
}

const reject = (code: string, detail: string): never => {
  throw new TickRejected({ code, detail });
};

export function decodeTick(bytes: Uint8Array): Tick {
  try {
    return fromBinary(TickSchema, bytes);
  } catch (error) {
    return reject("undecodable", `not a valid Tick message: ${(error as Error).message}`);
  }
}

export const TICK_COLUMNS = `tick_number, "timestamp", batch_hash, previous_output, transaction_count`;
export const VDF_PROOF_COLUMNS = "tick_number, tick_timestamp, input, output, proof, iterations";
export const TRANSACTION_COLUMNS =
  "tick_number, tick_timestamp, sequence_number, tx_hash, tx_id, payload, signature, public_key, nonce, " +
  "client_timestamp, ingestion_timestamp";

/** The three tables a stored tick has rows in; a batch's rows of each are in the buffer of the same index. */
export const TICK_TABLES = [
  { table: "ticks", columns: TICK_COLUMNS },
  { table: "vdf_proofs", columns: VDF_PROOF_COLUMNS },
  { table: "tick_transactions", columns: TRANSACTION_COLUMNS },
] as const;

export type TickTables = [CopyBuffer, CopyBuffer, CopyBuffer];
export const newTickTables = (): TickTables => [new CopyBuffer(), new CopyBuffer(), new CopyBuffer()];

/** Table `index`'s binary COPY data for `ticks` (rows in `tables`); nothing when they have no rows there. */
export function tableData(tables: TickTables, index: number, ticks: Iterable<TickRows>): Uint8Array[] {
  const bytes = tables[index]!.bytes;
  const pieces: Uint8Array[] = [COPY_HEADER];
  let start = 0;
  let end = 0;
  for (const { spans } of ticks) {
    const from = spans[2 * index]!;
    const to = spans[2 * index + 1]!;
    if (from === to) continue;
    // The usual case: the batch's rows one after another, sent as one piece.
    if (from === end) end = to;
    else {
      if (end > start) pieces.push(bytes.subarray(start, end));
      start = from;
      end = to;
    }
  }
  if (end > start) pieces.push(bytes.subarray(start, end));
  if (pieces.length === 1) return [];
  pieces.push(COPY_TRAILER);
  return pieces;
}

/** The binary COPYs into the three tick tables of these ticks' rows (copy-in.ts). */
export function tickCopies(tables: TickTables, ticks: TickRows[]): Copy[] {
  return TICK_TABLES.map(({ table, columns }, i) => ({ table, columns, data: tableData(tables, i, ticks), binary: true }));
}

/** Takes the newest tick's rows out of the tables again (they are the last ones in each). */
export function dropRows(tables: TickTables, rows: TickRows) {
  tables.forEach((table, i) => (table.length = rows.spans[2 * i]!));
}

const TWO_32 = 4_294_967_296;
const MAX_TIMESTAMP_HI = Number(MAX_TIMESTAMP_MICROS >> 32n);
const MAX_TIMESTAMP_LO = Number(MAX_TIMESTAMP_MICROS & 0xffffffffn);
const uint64 = (hi: number, lo: number) => (hi < 0x200000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo));

const TX_LAST_COLUMNS = [TX.NONCE, TX.CLIENT_TIMESTAMP, TX.INGESTION_TIMESTAMP];

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LENIENT_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** A field's name in a reject's detail; `tx` is the transaction's index, -1 for the tick's own fields. Built only on a reject: not per tick. */
const fieldName = (name: string, tx: number) => (tx < 0 ? name : `transactions[${tx}].${name}`);

/** A string field as PostgreSQL text: valid UTF-8 (the generated decoder refuses anything else too) and no NUL. */
function checkText(b: Uint8Array, start: number, end: number, field: string, tx = -1) {
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0) reject("nul_in_text", `${fieldName(field, tx)} contains a NUL character, which PostgreSQL text cannot store`);
    high |= c;
  }
  if (high < 0x80) return;
  try {
    STRICT_UTF8.decode(b.subarray(start, end));
  } catch {
    reject("invalid_utf8", `${fieldName(field, tx)} is not valid UTF-8`);
  }
}

const HEX_DIGIT = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX_DIGIT[c.charCodeAt(0)] = 1;

function isHash(b: Uint8Array, start: number, end: number) {
  if (end - start !== 64) return false;
  let digits = 0;
  for (let i = start; i < end; i++) digits += HEX_DIGIT[b[i]!]!;
  return digits === 64;
}

function required(empty: boolean, field: string, code: string, tx = -1) {
  if (empty) reject(code, `${fieldName(field, tx)} is empty`);
}

/** The tick's bytes in the form readTick knows: as they are, or decoded and encoded again by the generated code. */
function read(raw: Uint8Array): Uint8Array {
  if (readTick(raw)) return raw;
  const canonical = toBinary(TickSchema, decodeTick(raw), { writeUnknownFields: false });
  if (!readTick(canonical)) throw new Error("a Tick encoded by the generated code is not in canonical form");
  return canonical;
}

/**
 * Appends the tick's rows to `tables`; throws TickRejected with the reason when it cannot be
 * stored, having appended nothing.
 */
export function tickRows(raw: Uint8Array, tables: TickTables): TickRows {
  const b = read(raw);
  const { t, txs, txCount } = wire;
  wire.at(b, t[F.TICK_NUMBER]!);
  const numberHi = wire.hi;
  const numberLo = wire.lo;
  if ((numberHi | numberLo) === 0) reject("zero_tick_number", "tick_number is 0");
  wire.at(b, t[F.TIMESTAMP]!);
  const timeHi = wire.hi;
  const timeLo = wire.lo;
  if (timeHi > MAX_TIMESTAMP_HI || (timeHi === MAX_TIMESTAMP_HI && timeLo > MAX_TIMESTAMP_LO))
    reject("timestamp_out_of_range", `timestamp ${uint64(timeHi, timeLo)} is beyond year 9999`);
  if (t[F.PROOF_PRESENT] === 0) reject("missing_vdf_proof", "vdf_proof is missing");
  required(t[F.INPUT_START] === t[F.INPUT_END], "vdf_proof.input", "missing_vdf_proof");
  required(t[F.OUTPUT_START] === t[F.OUTPUT_END], "vdf_proof.output", "missing_vdf_proof");
  required(t[F.PROOF_START] === t[F.PROOF_END], "vdf_proof.proof", "missing_vdf_proof");
  for (let i = 0, x = 0; i < txCount; i++, x += TX_SLOTS) {
    if (txs[x + TX.PRESENT] === 0) reject("invalid_transaction", `${fieldName("transaction", i)} is missing`);
    const hashStart = txs[x + TX.HASH_START]!;
    const hashEnd = txs[x + TX.HASH_END]!;
    required(hashStart === hashEnd, "tx_hash", "invalid_transaction", i);
    // The wire contract's hash is SHA-256 in hex. Anything else would be stored as a key that
    // no lookup finds, and a long one is refused by the index (SQLSTATE 54000): reject it here.
    if (!isHash(b, hashStart, hashEnd)) {
      const characters = LENIENT_UTF8.decode(b.subarray(hashStart, hashEnd)).length;
      reject("invalid_transaction", `${fieldName("tx_hash", i)} is not 64 hexadecimal characters (${characters} characters)`);
    }
    required(txs[x + TX.SIGNATURE_START] === txs[x + TX.SIGNATURE_END], "transaction.signature", "invalid_transaction", i);
    required(txs[x + TX.PUBLIC_KEY_START] === txs[x + TX.PUBLIC_KEY_END], "transaction.public_key", "invalid_transaction", i);
    checkText(b, txs[x + TX.ID_START]!, txs[x + TX.ID_END]!, "transaction.tx_id", i);
  }
  checkText(b, t[F.BATCH_HASH_START]!, t[F.BATCH_HASH_END]!, "transaction_batch_hash");
  checkText(b, t[F.PREVIOUS_START]!, t[F.PREVIOUS_END]!, "previous_output");
  checkText(b, t[F.INPUT_START]!, t[F.INPUT_END]!, "vdf_proof.input");
  checkText(b, t[F.OUTPUT_START]!, t[F.OUTPUT_END]!, "vdf_proof.output");
  checkText(b, t[F.PROOF_START]!, t[F.PROOF_END]!, "vdf_proof.proof");

  const [ticks, proofs, transactions] = tables;
  const spans = [ticks.length, 0, proofs.length, 0, transactions.length, 0];
  const key = NUMERIC_MAX_BYTES + TIMESTAMP_BYTES; // tick_number and time, the first columns of each row
  ticks.reserve(2 + key + 8 + t[F.BATCH_HASH_END]! - t[F.BATCH_HASH_START]! + t[F.PREVIOUS_END]! - t[F.PREVIOUS_START]! + INT4_BYTES);
  ticks.int16(5);
  ticks.numericField(numberHi, numberLo);
  ticks.timestampField(timeHi, timeLo);
  ticks.field(b, t[F.BATCH_HASH_START]!, t[F.BATCH_HASH_END]!);
  ticks.field(b, t[F.PREVIOUS_START]!, t[F.PREVIOUS_END]!);
  ticks.int4Field(txCount);
  spans[1] = ticks.length;

  const proofBytes = t[F.INPUT_END]! - t[F.INPUT_START]! + t[F.OUTPUT_END]! - t[F.OUTPUT_START]! + t[F.PROOF_END]! - t[F.PROOF_START]!;
  proofs.reserve(2 + key + 12 + proofBytes + NUMERIC_MAX_BYTES);
  proofs.int16(6);
  proofs.numericField(numberHi, numberLo);
  proofs.timestampField(timeHi, timeLo);
  proofs.field(b, t[F.INPUT_START]!, t[F.INPUT_END]!);
  proofs.field(b, t[F.OUTPUT_START]!, t[F.OUTPUT_END]!);
  proofs.field(b, t[F.PROOF_START]!, t[F.PROOF_END]!);
  wire.at(b, t[F.ITERATIONS]!);
  proofs.numericField(wire.hi, wire.lo);
  spans[3] = proofs.length;

  for (let i = 0, x = 0; i < txCount; i++, x += TX_SLOTS) {
    transactions.reserve(2 + key + 4 * NUMERIC_MAX_BYTES + 20 + txs[x + TX.END]! - txs[x + TX.START]!);
    transactions.int16(11);
    transactions.numericField(numberHi, numberLo);
    transactions.timestampField(timeHi, timeLo);
    wire.at(b, txs[x + TX.SEQUENCE]!);
    transactions.numericField(wire.hi, wire.lo);
    transactions.field(b, txs[x + TX.HASH_START]!, txs[x + TX.HASH_END]!);
    transactions.field(b, txs[x + TX.ID_START]!, txs[x + TX.ID_END]!);
    transactions.field(b, txs[x + TX.PAYLOAD_START]!, txs[x + TX.PAYLOAD_END]!);
    transactions.field(b, txs[x + TX.SIGNATURE_START]!, txs[x + TX.SIGNATURE_END]!);
    transactions.field(b, txs[x + TX.PUBLIC_KEY_START]!, txs[x + TX.PUBLIC_KEY_END]!);
    for (const slot of TX_LAST_COLUMNS) {
      wire.at(b, txs[x + slot]!);
      transactions.numericField(wire.hi, wire.lo);
    }
  }
  spans[5] = transactions.length;
  return {
    tickNumber: uint64(numberHi, numberLo),
    timestampMicros: uint64(timeHi, timeLo),
    transactionCount: txCount,
    reencoded: b !== raw,
    spans,
  };
}

export const REJECT_COLUMNS = "stream, tick_number, reason, raw";

/** A tick_rejects row: the reason is `code: detail`; an unnumbered reject has no tick_number. */
export function rejectRow(stream: string, r: { tickNumber?: bigint; code: string; detail: string; raw: Uint8Array }): string {
  return copyRow([
    copyText(stream),
    r.tickNumber === undefined ? "\\N" : r.tickNumber.toString(),
    copyReason(`${r.code}: ${r.detail}`),
    copyBytea(r.raw),
  ]);
}
