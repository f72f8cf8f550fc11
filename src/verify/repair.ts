// Puts ticks right from what the sequencer serves: in one transaction, every row of each tick is
// deleted and written again from GetTick (or a reject with the reason), the gap and reject records
// that covered it are cut back, and the chain_breaks rows next to it are recomputed.
//
// Beside a live ingester: the ingester writes only ticks at or above its checkpoint, and moves the
// checkpoint only over ticks it has committed. The transaction holds the checkpoint row FOR SHARE
// and touches only ticks below it, so no tick it rewrites can be in one of the writer's batches.
// It takes no lease: the writer keeps writing meanwhile. Repairs of one stream run one at a time
// (an advisory lock), so two `verify --repair` never interleave on a tick.
import type postgres from "postgres";
import { copyAll } from "../sink/copy-in.ts";
import { newTickTables, REJECT_COLUMNS, rejectRow, tickCopies, tickRows } from "../sink/tick-rows.ts";
import type { Served } from "./served.ts";

export class AboveCheckpoint extends Error {}

/** Consecutive runs of sorted tick numbers, so that each DELETE is one range. */
function runs(ticks: bigint[]): Array<[bigint, bigint]> {
  const result: Array<[bigint, bigint]> = [];
  for (const n of ticks) {
    const run = result.at(-1);
    if (run && run[1] + 1n === n) run[1] = n;
    else result.push([n, n]);
  }
  return result;
}

/** What is left of [first, last] without the repaired ticks. */
function cut(first: bigint, last: bigint, repaired: bigint[]): Array<[bigint, bigint]> {
  const pieces: Array<[bigint, bigint]> = [];
  let from = first;
  for (const n of repaired) {
    if (n < from || n > last) continue;
    if (n > from) pieces.push([from, n - 1n]);
    from = n + 1n;
  }
  if (from <= last) pieces.push([from, last]);
  return pieces;
}

/** Rewrites `ticks` (sorted, each served) from `served`; throws AboveCheckpoint if one is not below it. */
export async function repairTicks(sql: postgres.Sql, stream: string, ticks: bigint[], served: Map<bigint, Served>): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`tick-ingester verify --repair:${stream}`}, 0))`;
    const [checkpoint] = await tx`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream} FOR SHARE`;
    const next = checkpoint ? BigInt(checkpoint.next_tick) : 0n;
    if (ticks.some((n) => n >= next))
      throw new AboveCheckpoint(`stream ${stream}'s checkpoint is ${checkpoint?.next_tick ?? "absent"}: only ticks below it are repaired`);

    for (const [a, b] of runs(ticks).map(([x, y]) => [x.toString(), y.toString()])) {
      for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
        await tx.unsafe(`DELETE FROM ${table} WHERE tick_number BETWEEN $1::numeric AND $2::numeric`, [a!, b!]);
      }
      await tx`DELETE FROM tick_rejects WHERE stream = ${stream} AND tick_number BETWEEN ${a!}::numeric AND ${b!}::numeric`;
    }
    const [low, high] = [ticks[0]!.toString(), ticks.at(-1)!.toString()];
    const gaps = await tx`
      DELETE FROM tick_gaps WHERE stream = ${stream} AND first_tick <= ${high}::numeric AND last_tick >= ${low}::numeric
      RETURNING first_tick::text AS f, last_tick::text AS l, reason, recorded_at`;
    for (const gap of gaps) {
      for (const [f, l] of cut(BigInt(gap.f), BigInt(gap.l), ticks)) {
        await tx`INSERT INTO tick_gaps (stream, first_tick, last_tick, reason, recorded_at)
                 VALUES (${stream}, ${f.toString()}::numeric, ${l.toString()}::numeric, ${gap.reason}, ${gap.recorded_at})`;
      }
    }

    const rows = ticks.map((n) => served.get(n)!);
    const tables = newTickTables();
    const stored = rows.flatMap((s) => (s.kind === "tick" ? [tickRows(s.raw, tables)] : []));
    const rejects = ticks.flatMap((n, i) => {
      const s = rows[i]!;
      return s.kind === "unstorable" ? [Buffer.from(rejectRow(stream, { tickNumber: n, ...s }))] : [];
    });
    await copyAll(tx, [...tickCopies(tables, stored), { table: "tick_rejects", columns: REJECT_COLUMNS, data: rejects }]);
    await recomputeChainBreaks(tx, stream, ticks, next);
  });
}

/**
 * chain_breaks of the repaired ticks and of the ticks after them, from the rows as they now are:
 * where a tick and the one before it are both stored, a row exactly when the chain breaks there.
 * Where either is not stored, the ingester's record stays as it is, and so does the row of the
 * tick at the checkpoint, which the ingester may be writing (its record of it was made against
 * the served output, which is what the repair wrote).
 */
async function recomputeChainBreaks(tx: postgres.TransactionSql, stream: string, ticks: bigint[], checkpoint: bigint) {
  const candidates = [...new Set(ticks.flatMap((n) => [n, n + 1n]))].filter((n) => n < checkpoint);
  for (const [a, b] of runs(candidates.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).map(([x, y]) => [x.toString(), y.toString()])) {
    const links = await tx`
      SELECT t.tick_number::text AS n, t.previous_output AS got, p.output AS expected,
             (SELECT count(*) FROM ticks u WHERE u.tick_number = t.tick_number)::int
               + (SELECT count(*) FROM ticks u WHERE u.tick_number = t.tick_number - 1)::int
               + (SELECT count(*) FROM vdf_proofs q WHERE q.tick_number = t.tick_number - 1)::int AS rows
      FROM ticks t JOIN vdf_proofs p ON p.tick_number = t.tick_number - 1
      WHERE t.tick_number BETWEEN ${a!}::numeric AND ${b!}::numeric`;
    for (const link of links) {
      if (link.rows !== 3) continue;
      await tx`DELETE FROM chain_breaks WHERE stream = ${stream} AND tick_number = ${link.n}::numeric`;
      if (link.got !== link.expected) {
        await tx`INSERT INTO chain_breaks (stream, tick_number, expected_previous_output, previous_output)
                 VALUES (${stream}, ${link.n}::numeric, ${link.expected}, ${link.got})`;
      }
    }
  }
}
