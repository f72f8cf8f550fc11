// Checks the database against the ticks the simulator serves: every tick from first to last
// stored exactly once and equal to what was sent, or else listed once in tick_rejects or tick_gaps.
// Read in windows, so a long range does not hold every row in memory at once.
import type postgres from "postgres";
import type { Tick } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { copyTimestamp } from "../../src/sink/copy-text.ts";

export interface Verdict {
  checked: number;
  stored: number;
  rejected: number;
  gaps: number;
  lost: string[];
  duplicated: string[];
  mismatched: string[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const pgTime = (micros: bigint) => copyTimestamp(micros).replace("T", " ");

const WINDOW = 20_000n;

export async function verifyTicks(sql: postgres.Sql, expected: (n: bigint) => Tick, first: bigint, last: bigint): Promise<Verdict> {
  const verdict: Verdict = { checked: 0, stored: 0, rejected: 0, gaps: 0, lost: [], duplicated: [], mismatched: [] };
  for (let from = first; from <= last; from += WINDOW) {
    const to = from + WINDOW - 1n < last ? from + WINDOW - 1n : last;
    const part = await verifyWindow(sql, expected, from, to);
    for (const key of ["checked", "stored", "rejected", "gaps"] as const) verdict[key] += part[key];
    for (const key of ["lost", "duplicated", "mismatched"] as const) verdict[key].push(...part[key]);
  }
  return verdict;
}

async function verifyWindow(sql: postgres.Sql, expected: (n: bigint) => Tick, first: bigint, last: bigint): Promise<Verdict> {
  const range = [first.toString(), last.toString()] as const;
  const ticks = await sql`
    SELECT tick_number::text AS n, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t,
           batch_hash, previous_output, transaction_count
    FROM ticks WHERE tick_number BETWEEN ${range[0]}::numeric AND ${range[1]}::numeric`;
  const proofs = await sql`
    SELECT tick_number::text AS n, input, output, proof, iterations::text
    FROM vdf_proofs WHERE tick_number BETWEEN ${range[0]}::numeric AND ${range[1]}::numeric`;
  const txs = await sql`
    SELECT tick_number::text AS n, sequence_number::text AS seq, tx_hash, tx_id, encode(payload, 'hex') AS payload,
           encode(signature, 'hex') AS signature, encode(public_key, 'hex') AS public_key, nonce::text,
           client_timestamp::text, ingestion_timestamp::text
    FROM tick_transactions WHERE tick_number BETWEEN ${range[0]}::numeric AND ${range[1]}::numeric`;
  const rejects = await sql`
    SELECT tick_number::text AS n, count(*)::int AS times FROM tick_rejects
    WHERE tick_number BETWEEN ${range[0]}::numeric AND ${range[1]}::numeric GROUP BY tick_number`;
  const gaps = await sql`
    SELECT first_tick::text AS f, last_tick::text AS l FROM tick_gaps
    WHERE last_tick >= ${range[0]}::numeric AND first_tick <= ${range[1]}::numeric`;

  const group = <R extends { n: string }>(rows: R[]) => {
    const map = new Map<string, R[]>();
    for (const r of rows) map.set(r.n, [...(map.get(r.n) ?? []), r]);
    return map;
  };
  const tickRows = group(
    ticks as unknown as Array<{ n: string; t: string; batch_hash: string; previous_output: string; transaction_count: number }>,
  );
  const proofRows = group(proofs as unknown as Array<{ n: string; input: string; output: string; proof: string; iterations: string }>);
  const txRows = group(txs as unknown as Array<{ n: string } & Record<string, string>>);
  const rejected = new Map(rejects.map((r) => [r.n as string, r.times as number]));
  const gapsOver = (n: bigint) => gaps.filter((g) => BigInt(g.f) <= n && n <= BigInt(g.l)).length;

  const verdict: Verdict = { checked: 0, stored: 0, rejected: 0, gaps: 0, lost: [], duplicated: [], mismatched: [] };
  for (let n = first; n <= last; n++) {
    verdict.checked++;
    const key = n.toString();
    const rows = tickRows.get(key) ?? [];
    // A tick recorded more than once in any way (two rows, or stored and also rejected) is doubled.
    const records = rows.length + (rejected.get(key) ?? 0) + gapsOver(n);
    if (records > 1 || (proofRows.get(key)?.length ?? 0) > 1) verdict.duplicated.push(key);
    if (rows.length === 0) {
      if (rejected.has(key)) verdict.rejected++;
      else if (gapsOver(n) > 0) verdict.gaps++;
      else verdict.lost.push(key);
      continue;
    }
    verdict.stored++;
    const want = expected(n);
    const row = rows[0]!;
    const proof = proofRows.get(key)?.[0];
    const wantTxs = want.transactions.map((o) => ({
      n: key,
      seq: o.sequenceNumber.toString(),
      tx_hash: o.txHash,
      tx_id: o.transaction!.txId,
      payload: hex(o.transaction!.payload),
      signature: hex(o.transaction!.signature),
      public_key: hex(o.transaction!.publicKey),
      nonce: o.transaction!.nonce.toString(),
      client_timestamp: o.transaction!.timestamp.toString(),
      ingestion_timestamp: o.ingestionTimestamp.toString(),
    }));
    const gotTxs = (txRows.get(key) ?? []).map((r) => ({ ...r })).sort((a, b) => Number(BigInt(a.seq!) - BigInt(b.seq!)));
    const same =
      row.t === pgTime(want.timestamp) &&
      row.batch_hash === want.transactionBatchHash &&
      row.previous_output === want.previousOutput &&
      row.transaction_count === want.transactions.length &&
      proof?.input === want.vdfProof?.input &&
      proof?.output === want.vdfProof?.output &&
      proof?.proof === want.vdfProof?.proof &&
      proof?.iterations === want.vdfProof?.iterations.toString() &&
      JSON.stringify(gotTxs) === JSON.stringify(wantTxs);
    if (!same) verdict.mismatched.push(key);
  }
  return verdict;
}
