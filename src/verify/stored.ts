// What the database holds for a window of tick numbers, each tick-table row rendered in COPY text
// form, as is each served tick (textRows), so a stored row and the row the sequencer's tick would
// make compare as strings, column by column. The writer sends binary rows (src/sink/tick-rows.ts):
// this is the comparison's own rendering, from what the server stored and from the decoded tick. One query per table per window, each a
// range of tick_number: an index range scan on PostgreSQL, and on compressed TimescaleDB chunks
// a filter on each compressed batch's min/max tick_number.
import type postgres from "postgres";
import type { Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { copyBytea, copyRow, copyText, copyTimestamp } from "../sink/copy-text.ts";
import type { ChainBreak, Gap } from "../sink/records.ts";

/** A tick's rows in each tick table as COPY text lines (the transactions' one after another). */
export interface TextRows {
  tick: string;
  vdfProof: string;
  transactions: string;
}

/** The rows a served tick (one the writer stores) makes, as readStored renders stored rows. */
export function textRows(tick: Tick): TextRows {
  const number = tick.tickNumber.toString();
  const time = copyTimestamp(tick.timestamp);
  const proof = tick.vdfProof!;
  return {
    tick: copyRow([number, time, copyText(tick.transactionBatchHash), copyText(tick.previousOutput), String(tick.transactions.length)]),
    vdfProof: copyRow([number, time, copyText(proof.input), copyText(proof.output), copyText(proof.proof), proof.iterations.toString()]),
    transactions: tick.transactions
      .map(({ transaction, sequenceNumber, txHash, ingestionTimestamp }) =>
        copyRow([
          number,
          time,
          sequenceNumber.toString(),
          copyText(txHash),
          copyText(transaction!.txId),
          copyBytea(transaction!.payload),
          copyBytea(transaction!.signature),
          copyBytea(transaction!.publicKey),
          transaction!.nonce.toString(),
          transaction!.timestamp.toString(),
          ingestionTimestamp.toString(),
        ]),
      )
      .join(""),
  };
}

export interface StoredTickRow {
  line: string;
  previousOutput: string;
}
export interface StoredProofRow {
  line: string;
  output: string;
}
export interface StoredTxRow {
  line: string;
  sequence: string;
}

export interface StoredWindow {
  ticks: Map<bigint, StoredTickRow[]>;
  proofs: Map<bigint, StoredProofRow[]>;
  transactions: Map<bigint, StoredTxRow[]>;
  rejects: Map<bigint, string[]>;
  gaps: Gap[];
  /** By tick number. */
  chainBreaks: Map<bigint, Omit<ChainBreak, "tickNumber">>;
}

/** timestamptz as copyTimestamp writes it: 2026-01-10T07:26:56.704159+00. */
const copyTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00"')`;

function group<R>(rows: Iterable<{ n: string }>, make: (row: never) => R): Map<bigint, R[]> {
  const map = new Map<bigint, R[]>();
  for (const row of rows) {
    const n = BigInt(row.n);
    const list = map.get(n);
    if (list) list.push(make(row as never));
    else map.set(n, [make(row as never)]);
  }
  return map;
}

/** Rows of [first, last] (first - 1 too for ticks and proofs: the chain check needs its output). */
export async function readStored(sql: postgres.Sql, stream: string, first: bigint, last: bigint): Promise<StoredWindow> {
  const before = (first > 0n ? first - 1n : first).toString();
  const [a, b] = [first.toString(), last.toString()];
  const [ticks, proofs, transactions, rejects, gaps, breaks] = await Promise.all([
    sql.unsafe(
      `SELECT tick_number::text AS n, ${copyTime('"timestamp"')} AS t, batch_hash, previous_output, transaction_count::text AS c
       FROM ticks WHERE tick_number BETWEEN $1::numeric AND $2::numeric`,
      [before, b],
    ),
    sql.unsafe(
      `SELECT tick_number::text AS n, ${copyTime("tick_timestamp")} AS t, input, output, proof, iterations::text AS i
       FROM vdf_proofs WHERE tick_number BETWEEN $1::numeric AND $2::numeric`,
      [before, b],
    ),
    sql.unsafe(
      `SELECT tick_number::text AS n, ${copyTime("tick_timestamp")} AS t, sequence_number::text AS s, tx_hash, tx_id,
              payload, signature, public_key, nonce::text, client_timestamp::text AS ct, ingestion_timestamp::text AS it
       FROM tick_transactions WHERE tick_number BETWEEN $1::numeric AND $2::numeric`,
      [a, b],
    ),
    sql`SELECT tick_number::text AS n, reason FROM tick_rejects
        WHERE tick_number BETWEEN ${a}::numeric AND ${b}::numeric AND stream = ${stream}`,
    sql`SELECT first_tick::text AS f, last_tick::text AS l, reason FROM tick_gaps
        WHERE stream = ${stream} AND first_tick <= ${b}::numeric AND last_tick >= ${a}::numeric`,
    sql`SELECT tick_number::text AS n, expected_previous_output AS e, previous_output AS g FROM chain_breaks
        WHERE stream = ${stream} AND tick_number BETWEEN ${a}::numeric AND ${b}::numeric`,
  ]);
  type Row = Record<string, string>;
  type TxRow = Record<string, string> & { payload: Uint8Array; signature: Uint8Array; public_key: Uint8Array };
  return {
    ticks: group(ticks as never, (r: Row) => ({
      line: copyRow([r.n!, r.t!, copyText(r.batch_hash!), copyText(r.previous_output!), r.c!]),
      previousOutput: r.previous_output!,
    })),
    proofs: group(proofs as never, (r: Row) => ({
      line: copyRow([r.n!, r.t!, copyText(r.input!), copyText(r.output!), copyText(r.proof!), r.i!]),
      output: r.output!,
    })),
    transactions: group(transactions as never, (r: TxRow) => ({
      line: copyRow([
        r.n!,
        r.t!,
        r.s!,
        copyText(r.tx_hash!),
        copyText(r.tx_id!),
        copyBytea(r.payload),
        copyBytea(r.signature),
        copyBytea(r.public_key),
        r.nonce!,
        r.ct!,
        r.it!,
      ]),
      sequence: r.s!,
    })),
    rejects: new Map([...group(rejects as never, (r: Row) => r.reason!)]),
    gaps: gaps.map((g) => ({ first: BigInt(g.f), last: BigInt(g.l), reason: g.reason as string })),
    chainBreaks: new Map(breaks.map((r) => [BigInt(r.n), { expected: r.e as string, got: r.g as string }])),
  };
}
