// `tick-ingester verify`: compares a range of the database with the sequencer, window by window
// (GetTick for every tick, one range query per table), and with --repair rewrites what the
// sequencer can settle. Exit status: 0 clean (or all repaired), 1 problems left, 2 unusable
// (bad range, or the database or sequencer cannot be reached).
import type postgres from "postgres";
import { connect } from "../sink/database.ts";
import type { VerifyConfig } from "../config/verify.ts";
import { redactUrl } from "../config/values.ts";
import { scrubSecrets } from "../ops/scrub.ts";
import { isDataError } from "../sink/write-failures.ts";
import { ContinuumClient } from "../source/continuum-client.ts";
import { checkWindow, type Absence, type Problem, type WindowVerdict } from "./check.ts";
import { AboveCheckpoint, repairTicks } from "./repair.ts";
import { jsonReport, problemLine, startProgress, summaryLine, type ReportedProblem, type Totals } from "./report.ts";
import { fetchServed, SequencerUnreachable, servedByGetTick, type Served } from "./served.ts";
import { readStored, type StoredWindow } from "./stored.ts";

export const EXIT_PROBLEMS = 1;
export const EXIT_UNUSABLE = 2;
const WINDOW = 5_000n;

class Unusable extends Error {}

interface Range {
  first: bigint;
  last: bigint;
}

export async function verifyCommand(config: VerifyConfig): Promise<number> {
  const url = config.databaseUrl!; // checkVerify requires it
  const sql = connect(url, "verify");
  const client = new ContinuumClient(config.continuumGrpcUrl!, { tls: config.grpcTls, caFile: config.grpcCaFile });
  try {
    await sql`SELECT 1`.catch((error: Error) => {
      throw new Unusable(`cannot connect to the database at ${redactUrl(url)}: ${error.message}`);
    });
    const range = await rangeOf(sql, config);
    if (!range) {
      process.stdout.write(
        config.output === "json"
          ? `${JSON.stringify({ checked: 0, problems: [] })}\n`
          : "verify: nothing to verify (no tick stored below the checkpoint)\n",
      );
      return 0;
    }
    return await verifyRange(sql, client, config, range);
  } catch (error) {
    if (error instanceof Unusable || error instanceof SequencerUnreachable || isDatabaseFailure(error)) {
      process.stderr.write(`tick-ingester verify: ${scrubSecrets((error as Error).message)}\n`);
      return EXIT_UNUSABLE;
    }
    throw error;
  } finally {
    client.close();
    await sql.end({ timeout: 1 });
  }
}

/** Errors of the server or the connection (they carry a SQLSTATE or a socket error code). */
function isDatabaseFailure(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/** From --from (default: the oldest stored tick) to --to (default: the tick before the checkpoint). */
async function rangeOf(sql: postgres.Sql, config: VerifyConfig): Promise<Range | undefined> {
  const stream = config.serviceName;
  const [checkpoint] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`;
  if (!checkpoint)
    throw new Unusable(`stream "${stream}" (SERVICE_NAME) has no checkpoint in ingest_checkpoints: nothing was ingested under that name`);
  const next = BigInt(checkpoint.next_tick);
  if (config.to !== undefined && config.to >= next) {
    throw new Unusable(
      `--to=${config.to} is not below stream "${stream}"'s checkpoint ${next}: ticks from the checkpoint on may still be in flight`,
    );
  }
  const last = config.to ?? next - 1n;
  const first = config.from ?? (await oldestRecorded(sql, stream));
  return first === undefined || first > last ? undefined : { first, last };
}

async function oldestRecorded(sql: postgres.Sql, stream: string): Promise<bigint | undefined> {
  const [stored] = await sql`SELECT min(tick_number)::text AS n FROM ticks`;
  if (stored?.n) return BigInt(stored.n);
  const [other] = await sql`
    SELECT least((SELECT min(tick_number) FROM tick_rejects WHERE stream = ${stream}),
                 (SELECT min(first_tick) FROM tick_gaps WHERE stream = ${stream}))::text AS n`;
  return other?.n ? BigInt(other.n) : undefined;
}

interface Loaded {
  first: bigint;
  last: bigint;
  served: Map<bigint, Served>;
  /** Read again when a repair of the window before changed what it holds. */
  stored: StoredWindow;
}

async function verifyRange(sql: postgres.Sql, client: ContinuumClient, config: VerifyConfig, range: Range): Promise<number> {
  const stream = config.serviceName;
  const started = performance.now();
  const totals: Totals = { ...range, checked: 0, stored: 0, rejected: 0, gaps: 0, unverifiable: 0, repaired: 0, seconds: 0 };
  const reported: ReportedProblem[] = [];
  const load = async (first: bigint): Promise<Loaded> => {
    const last = first + WINDOW - 1n < range.last ? first + WINDOW - 1n : range.last;
    const [served, stored] = await Promise.all([
      fetchServed(client, first, last, { inFlight: config.concurrency, getTickOnly: config.getTickOnly }),
      readStored(sql, stream, first, last),
    ]);
    return { first, last, served, stored };
  };
  const absence = absenceTracker(client);
  const stopProgress = startProgress(Number(range.last - range.first + 1n), () => totals.checked);
  try {
    let next: Promise<Loaded> | undefined = load(range.first);
    let repairedBefore = false;
    while (next) {
      const window: Loaded = await next;
      next = window.last < range.last ? load(window.last + 1n) : undefined;
      next?.catch(() => {}); // awaited on the next turn; this only keeps an early exit from leaving it unhandled
      // A repair at the end of the last window rewrote the row before this one and its chain_breaks row.
      if (repairedBefore) window.stored = await readStored(sql, stream, window.first, window.last);
      const absent = await absence(window);
      let verdict = checkWindow(window.first, window.last, window.served, absent, window.stored);
      let problems: ReportedProblem[] = verdict.problems;
      repairedBefore = config.repair && verdict.settleable.length > 0;
      if (config.repair && problems.length > 0) ({ verdict, problems } = await repairWindow(sql, stream, window, verdict, absent));
      totals.repaired += new Set(problems.filter((p) => p.repair?.done).map((p) => p.tick)).size;
      for (const key of ["stored", "rejected", "gaps", "unverifiable"] as const) totals[key] += verdict[key];
      totals.checked += Number(window.last - window.first + 1n);
      if (config.output === "text") for (const p of problems) process.stdout.write(`${problemLine(p)}\n`);
      reported.push(...problems);
    }
  } finally {
    stopProgress();
  }
  totals.seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    config.output === "json" ? `${jsonReport(totals, reported)}\n` : `${summaryLine(totals, reported, config.repair)}\n`,
  );
  return reported.some((p) => p.repair?.done !== true) ? EXIT_PROBLEMS : 0;
}

/**
 * Ticks the sequencer does not serve: older than its history (nothing it serves lies below them),
 * or a hole in it. History moves on while verify runs, so the last tick served below such a tick
 * is asked for again: if it is gone too, history has passed both.
 */
function absenceTracker(client: ContinuumClient) {
  let lastServed: bigint | undefined;
  return async (window: Loaded): Promise<Map<bigint, Absence>> => {
    const absence = new Map<bigint, Absence>();
    const stillServed = new Map<bigint, boolean>();
    for (let n = window.first; n <= window.last; n++) {
      if (window.served.get(n)!.kind !== "absent") {
        lastServed = n;
        continue;
      }
      const hasRows = window.stored.ticks.has(n) || window.stored.proofs.has(n) || window.stored.transactions.has(n);
      if (!hasRows) continue;
      if (lastServed !== undefined && !stillServed.has(lastServed))
        stillServed.set(lastServed, (await servedByGetTick(client, lastServed)).kind !== "absent");
      if (lastServed !== undefined && !stillServed.get(lastServed)) lastServed = undefined;
      absence.set(n, lastServed === undefined ? "beyond_history" : "hole");
    }
    return absence;
  };
}

/** Repairs the window's settleable ticks (all in one transaction, or one by one if that fails), then checks the window again. */
async function repairWindow(sql: postgres.Sql, stream: string, window: Loaded, verdict: WindowVerdict, absence: Map<bigint, Absence>) {
  const failed = new Map<bigint, string>();
  if (verdict.settleable.length > 0) {
    try {
      await repairTicks(sql, stream, verdict.settleable, window.served);
    } catch (error) {
      // One tick the database refuses, or one above the checkpoint, must not hold back the others.
      if (!(error instanceof AboveCheckpoint) && !isDataError(error)) throw error;
      for (const n of verdict.settleable) {
        await repairTicks(sql, stream, [n], window.served).catch((e: Error) => failed.set(n, scrubSecrets(e.message)));
      }
    }
  }
  const stored = await readStored(sql, stream, window.first, window.last);
  const after = checkWindow(window.first, window.last, window.served, absence, stored);
  const remaining = new Set(after.problems.map((p) => p.tick));
  const settleable = new Set(verdict.settleable);
  const problems = verdict.problems.map((p: Problem): ReportedProblem => {
    if (!settleable.has(p.tick)) return { ...p, repair: { done: false, reason: "the sequencer cannot settle it" } };
    if (failed.has(p.tick)) return { ...p, repair: { done: false, reason: failed.get(p.tick)! } };
    return { ...p, repair: remaining.has(p.tick) ? { done: false, reason: "still wrong after the repair" } : { done: true } };
  });
  const before = new Set(verdict.problems.map((p) => p.tick));
  const appeared = after.problems
    .filter((p) => !before.has(p.tick))
    .map((p): ReportedProblem => ({ ...p, repair: { done: false, reason: "found after the repair" } }));
  return { verdict: after, problems: [...problems, ...appeared] };
}
