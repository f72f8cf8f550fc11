// One window's verdict: each tick number compared with what the sequencer serves. A tick is fine
// when it is stored once, every column as served, or accounted for (a reject, or a gap the
// sequencer still cannot fill); and the chain holds between stored ticks or a chain_breaks row
// says it does not. Anything else is a problem, settleable when the sequencer serves the tick.
import { TICK_COLUMNS, TRANSACTION_COLUMNS, VDF_PROOF_COLUMNS } from "../sink/tick-rows.ts";
import type { Served } from "./served.ts";
import type { StoredWindow } from "./stored.ts";

export type ProblemKind =
  | "missing" // no record of the tick at all
  | "half_written" // some of its rows, not all
  | "duplicated" // a row twice, or the tick recorded more than one way
  | "mismatch" // a column differs from what is served
  | "extra_row" // a transaction the served tick does not have
  | "gap_filled" // in tick_gaps, but the sequencer now serves it
  | "chain" // the chain does not hold and no chain_breaks row says so, or one says so wrongly
  | "not_served" // stored, but the sequencer serves no such tick, or one that cannot be stored
  | "lost"; // missing, and the sequencer does not have it either

export interface Problem {
  tick: bigint;
  kind: ProblemKind;
  /** table.column, when one column differs. */
  column?: string;
  stored?: string;
  served?: string;
  detail: string;
}

/** Where a tick the sequencer does not serve stands: before its history, or a hole within it. */
export type Absence = "beyond_history" | "hole";

export interface WindowVerdict {
  stored: number;
  rejected: number;
  gaps: number;
  /** Stored, but older than the sequencer's history: only the rows' consistency was checked. */
  unverifiable: number;
  problems: Problem[];
  /** Ticks whose problems the sequencer can settle: it serves the tick (or a reason to reject it). */
  settleable: bigint[];
}

const columnsOf = (list: string) => list.split(", ").map((c) => c.replaceAll('"', ""));
const TABLES = {
  ticks: columnsOf(TICK_COLUMNS),
  vdf_proofs: columnsOf(VDF_PROOF_COLUMNS),
  tick_transactions: columnsOf(TRANSACTION_COLUMNS),
};
type Table = keyof typeof TABLES;

/** Long values (hashes, proofs, payloads) as their ends and length; bytea without COPY's escape. */
export function shorten(value: string): string {
  const shown = value.startsWith("\\\\x") ? value.slice(1) : value;
  return shown.length <= 24 ? shown : `${shown.slice(0, 10)}…${shown.slice(-8)} (${shown.length} chars)`;
}

/** One problem per column where two COPY rows of a table differ. */
function compareRow(tick: bigint, table: Table, stored: string, served: string, what = ""): Problem[] {
  if (stored === served) return [];
  const a = stored.slice(0, -1).split("\t");
  const b = served.slice(0, -1).split("\t");
  return TABLES[table].flatMap((column, i) =>
    a[i] === b[i]
      ? []
      : [
          {
            tick,
            kind: "mismatch" as const,
            column: `${table}.${column}`,
            stored: a[i],
            served: b[i],
            detail: `${table}.${column}${what} differs: stored "${shorten(a[i] ?? "")}", served "${shorten(b[i] ?? "")}"`,
          },
        ],
  );
}

const linesOf = (rows: string) =>
  rows
    .split("\n")
    .slice(0, -1)
    .map((line) => `${line}\n`);

/** The tick's rows against the rows of the served tick. */
function compareTick(n: bigint, stored: StoredWindow, rows: { tick: string; vdfProof: string; transactions: string }): Problem[] {
  const problems: Problem[] = [];
  for (const [table, list, want] of [
    ["ticks", stored.ticks.get(n) ?? [], rows.tick],
    ["vdf_proofs", stored.proofs.get(n) ?? [], rows.vdfProof],
  ] as const) {
    if (list.length === 0) problems.push({ tick: n, kind: "half_written", detail: `no row in ${table}` });
    else if (list.length > 1) problems.push({ tick: n, kind: "duplicated", detail: `${list.length} rows in ${table}` });
    else problems.push(...compareRow(n, table, list[0]!.line, want));
  }
  const storedTxs = new Map<string, string[]>();
  for (const tx of stored.transactions.get(n) ?? []) storedTxs.set(tx.sequence, [...(storedTxs.get(tx.sequence) ?? []), tx.line]);
  for (const line of linesOf(rows.transactions)) {
    const sequence = line.split("\t", 3)[2]!;
    const found = storedTxs.get(sequence) ?? [];
    storedTxs.delete(sequence);
    const which = ` (sequence_number ${sequence})`;
    if (found.length === 0)
      problems.push({ tick: n, kind: "half_written", detail: `no row in tick_transactions for sequence_number ${sequence}` });
    else if (found.length > 1)
      problems.push({ tick: n, kind: "duplicated", detail: `${found.length} rows in tick_transactions for sequence_number ${sequence}` });
    else problems.push(...compareRow(n, "tick_transactions", found[0]!, line, which));
  }
  for (const sequence of storedTxs.keys()) {
    problems.push({
      tick: n,
      kind: "extra_row",
      detail: `tick_transactions has sequence_number ${sequence}, which the served tick does not`,
    });
  }
  return problems;
}

/** Rows of a tick the sequencer cannot vouch for: are they at least whole and single? */
function consistency(n: bigint, stored: StoredWindow): Problem[] {
  const ticks = stored.ticks.get(n) ?? [];
  const proofs = stored.proofs.get(n) ?? [];
  const problems: Problem[] = [];
  if (ticks.length !== 1 || proofs.length !== 1) {
    problems.push({
      tick: n,
      kind: ticks.length > 1 || proofs.length > 1 ? "duplicated" : "half_written",
      detail: `${ticks.length} rows in ticks, ${proofs.length} in vdf_proofs`,
    });
  } else {
    const count = ticks[0]!.line.split("\t")[4]!.trim();
    const txs = stored.transactions.get(n)?.length ?? 0;
    if (String(txs) !== count)
      problems.push({ tick: n, kind: "half_written", detail: `ticks.transaction_count is ${count}, tick_transactions has ${txs} rows` });
  }
  return problems;
}

/** Tick n and the tick before it, each stored once: previous_output against the output before. */
function chainProblem(n: bigint, stored: StoredWindow): Problem | undefined {
  const ticks = stored.ticks.get(n);
  const before = stored.proofs.get(n - 1n);
  if (ticks?.length !== 1 || stored.proofs.get(n)?.length !== 1 || before?.length !== 1 || stored.ticks.get(n - 1n)?.length !== 1)
    return undefined;
  const got = ticks[0]!.previousOutput;
  const expected = before[0]!.output;
  const record = stored.chainBreaks.get(n);
  if (got === expected) {
    return record
      ? { tick: n, kind: "chain", detail: `chain_breaks has a row, but previous_output is the output of tick ${n - 1n}` }
      : undefined;
  }
  if (!record) {
    return {
      tick: n,
      kind: "chain",
      stored: got,
      served: expected,
      detail: `previous_output "${shorten(got)}" is not the output of tick ${n - 1n} ("${shorten(expected)}"), and chain_breaks has no row`,
    };
  }
  if (record.expected !== expected || record.got !== got) {
    return {
      tick: n,
      kind: "chain",
      detail:
        `chain_breaks row says "${shorten(record.got)}" for "${shorten(record.expected)}", ` +
        `the rows say "${shorten(got)}" for "${shorten(expected)}"`,
    };
  }
  return undefined;
}

const gapText = (g: { first: bigint; last: bigint; reason: string }) => `tick_gaps ${g.first}-${g.last} ("${shorten(g.reason)}")`;

export function checkWindow(
  first: bigint,
  last: bigint,
  served: Map<bigint, Served>,
  absence: Map<bigint, Absence>,
  stored: StoredWindow,
): WindowVerdict {
  const verdict: WindowVerdict = { stored: 0, rejected: 0, gaps: 0, unverifiable: 0, problems: [], settleable: [] };
  for (let n = first; n <= last; n++) {
    const serve = served.get(n) ?? { kind: "absent" };
    const hasRows = stored.ticks.has(n) || stored.proofs.has(n) || stored.transactions.has(n);
    const rejects = stored.rejects.get(n) ?? [];
    const gaps = stored.gaps.filter((g) => g.first <= n && n <= g.last);
    const accounts = rejects.length + gaps.length;
    const problems: Problem[] = [];
    const twice = () =>
      problems.push({
        tick: n,
        kind: "duplicated",
        detail: [hasRows && "stored", ...rejects.map((r) => `in tick_rejects ("${shorten(r)}")`), ...gaps.map(gapText)]
          .filter(Boolean)
          .join(", and "),
      });

    if (!hasRows) {
      if (accounts > 1) twice();
      else if (accounts === 0) {
        if (serve.kind === "tick")
          problems.push({
            tick: n,
            kind: "missing",
            detail: "no row in ticks, vdf_proofs or tick_transactions, and no tick_rejects or tick_gaps record",
          });
        else if (serve.kind === "unstorable")
          problems.push({
            tick: n,
            kind: "missing",
            detail: `no tick_rejects row, and the sequencer serves a tick that cannot be stored (${serve.code}: ${serve.detail})`,
          });
        else problems.push({ tick: n, kind: "lost", detail: "no record of it, and the sequencer does not serve it" });
      } else if (gaps.length === 1 && serve.kind !== "absent")
        problems.push({ tick: n, kind: "gap_filled", detail: `in ${gapText(gaps[0]!)}, but the sequencer now serves it` });
      else if (rejects.length === 1) verdict.rejected++;
      else verdict.gaps++;
    } else {
      if (serve.kind === "tick") problems.push(...compareTick(n, stored, serve.rows));
      else {
        problems.push(...consistency(n, stored));
        if (serve.kind === "unstorable")
          problems.push({
            tick: n,
            kind: "not_served",
            detail: `stored, but the sequencer serves a tick that cannot be stored (${serve.code}: ${serve.detail})`,
          });
        else if (absence.get(n) === "hole")
          problems.push({
            tick: n,
            kind: "not_served",
            detail: "stored, but the sequencer does not serve it, though it serves the ticks before it",
          });
      }
      if (accounts > 0) twice();
      const chain = chainProblem(n, stored);
      if (chain) problems.push(chain);
      if (problems.length === 0) {
        if (serve.kind === "absent") verdict.unverifiable++;
        else verdict.stored++;
      }
    }
    if (problems.length === 0) continue;
    verdict.problems.push(...problems);
    const storedInvalid = hasRows && serve.kind === "unstorable";
    if (serve.kind !== "absent" && !storedInvalid) verdict.settleable.push(n);
  }
  return verdict;
}
