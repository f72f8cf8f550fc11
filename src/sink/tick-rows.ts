// One tick, decoded and validated, becomes the COPY rows of ticks, vdf_proofs and
// tick_transactions; or, when it cannot be stored, a reject with the reason.
import { fromBinary } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { copyBytea, copyReason, copyRow, copyText, copyTimestamp, MAX_TIMESTAMP_MICROS } from "./copy-text.ts";

export interface TickRows {
  tickNumber: bigint;
  timestampMicros: bigint;
  transactionCount: number;
  tick: string;
  vdfProof: string;
  transactions: string;
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

const TX_HASH = /^[0-9a-fA-F]{64}$/;

const reject = (code: string, detail: string): never => {
  throw new TickRejected({ code, detail });
};

function text(value: string, field: string): string {
  if (value.includes("\0")) reject("nul_in_text", `${field} contains a NUL character, which PostgreSQL text cannot store`);
  return copyText(value);
}

function required(value: string | Uint8Array, field: string, code: string) {
  if (value.length === 0) reject(code, `${field} is empty`);
}

export function decodeTick(bytes: Uint8Array): Tick {
  try {
    return fromBinary(TickSchema, bytes);
  } catch (error) {
    return reject("undecodable", `not a valid Tick message: ${(error as Error).message}`);
  }
}

/** Throws TickRejected with the reason when the tick cannot be stored. */
export function tickRows(tick: Tick): TickRows {
  const n = tick.tickNumber;
  if (n === 0n) reject("zero_tick_number", "tick_number is 0");
  if (tick.timestamp > MAX_TIMESTAMP_MICROS) reject("timestamp_out_of_range", `timestamp ${tick.timestamp} is beyond year 9999`);
  const proof = tick.vdfProof;
  if (!proof) return reject("missing_vdf_proof", "vdf_proof is missing");
  required(proof.input, "vdf_proof.input", "missing_vdf_proof");
  required(proof.output, "vdf_proof.output", "missing_vdf_proof");
  required(proof.proof, "vdf_proof.proof", "missing_vdf_proof");

  const number = n.toString();
  const time = copyTimestamp(tick.timestamp);
  let transactions = "";
  tick.transactions.forEach((ordered, i) => {
    const at = `transactions[${i}]`;
    const tx = ordered.transaction;
    if (!tx) return reject("invalid_transaction", `${at}.transaction is missing`);
    required(ordered.txHash, `${at}.tx_hash`, "invalid_transaction");
    // The wire contract's hash is SHA-256 in hex. Anything else would be stored as a key that
    // no lookup finds, and a long one is refused by the index (SQLSTATE 54000): reject it here.
    if (!TX_HASH.test(ordered.txHash))
      reject("invalid_transaction", `${at}.tx_hash is not 64 hexadecimal characters (${ordered.txHash.length} characters)`);
    required(tx.signature, `${at}.transaction.signature`, "invalid_transaction");
    required(tx.publicKey, `${at}.transaction.public_key`, "invalid_transaction");
    transactions += copyRow([
      number,
      time,
      ordered.sequenceNumber.toString(),
      text(ordered.txHash, `${at}.tx_hash`),
      text(tx.txId, `${at}.transaction.tx_id`),
      copyBytea(tx.payload),
      copyBytea(tx.signature),
      copyBytea(tx.publicKey),
      tx.nonce.toString(),
      tx.timestamp.toString(),
      ordered.ingestionTimestamp.toString(),
    ]);
  });

  return {
    tickNumber: n,
    timestampMicros: tick.timestamp,
    transactionCount: tick.transactions.length,
    tick: copyRow([
      number,
      time,
      text(tick.transactionBatchHash, "transaction_batch_hash"),
      text(tick.previousOutput, "previous_output"),
      String(tick.transactions.length),
    ]),
    vdfProof: copyRow([
      number,
      time,
      text(proof.input, "vdf_proof.input"),
      text(proof.output, "vdf_proof.output"),
      text(proof.proof, "vdf_proof.proof"),
      proof.iterations.toString(),
    ]),
    transactions,
  };
}

export const TICK_COLUMNS = `tick_number, "timestamp", batch_hash, previous_output, transaction_count`;
export const VDF_PROOF_COLUMNS = "tick_number, tick_timestamp, input, output, proof, iterations";
export const TRANSACTION_COLUMNS =
  "tick_number, tick_timestamp, sequence_number, tx_hash, tx_id, payload, signature, public_key, nonce, " +
  "client_timestamp, ingestion_timestamp";

/** The three tables a stored tick has rows in, each with the part of its TickRows that goes there. */
export const TICK_TABLES: ReadonlyArray<{ table: string; columns: string; rows: (r: TickRows) => string }> = [
  { table: "ticks", columns: TICK_COLUMNS, rows: (r) => r.tick },
  { table: "vdf_proofs", columns: VDF_PROOF_COLUMNS, rows: (r) => r.vdfProof },
  { table: "tick_transactions", columns: TRANSACTION_COLUMNS, rows: (r) => r.transactions },
];

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
