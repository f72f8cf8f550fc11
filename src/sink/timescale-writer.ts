// Writes a batch to TimescaleDB/PostgreSQL: COPY into ticks, vdf_proofs and tick_transactions,
// its rejects, gaps and chain breaks, and its committed range, all in one transaction.
// A batch is never dropped: failures that retrying can change are retried until it commits, and a
// row the database refuses is found by splitting the batch and stored as a reject with the reason.
import type postgres from "postgres";
import { backoff } from "../common/backoff.ts";
import { errorMessage } from "../common/errors.ts";
import { splitBatch, type Batch } from "./batch.ts";
import { copyAll, textRows, type Copy } from "./copy-in.ts";
import { copyReason, copyRow, copyText } from "./copy-text.ts";
import { FencedOut } from "./lease.ts";
import { classifyFailure, describeFailure, rolledBack } from "./write-failures.ts";
import { REJECT_COLUMNS, rejectRow, tickCopies } from "./tick-rows.ts";

export interface WriteHooks {
  /** A failed attempt, before the backoff: reported as it happens, not when the batch commits. */
  onRetry(error: unknown, attempt: number, delayMs: number, batch: Batch): void;
  /**
   * A new client, after a failure that was not the data's. postgres.js on Bun does not always
   * recover a connection after a server restart (porsager/postgres#738, #1214): retrying on the
   * same client was seen to hang and, once, to commit a batch's range without its rows.
   */
  renew(): postgres.Sql;
}

/** Tries to learn whether an attempt whose outcome is unknown committed, before giving up for this round. */
const RESOLVE_TRIES = 20;

/** The transaction of one attempt, as far as the client learnt it. */
export interface Attempt {
  xid?: string;
  pid?: number;
  /** When the server was started: after a crash, transaction ids not yet in the WAL are handed out again. */
  serverStartedAt?: string;
  /** The transaction's start time: the committed_at and rejected_at of every row it wrote. */
  startedAt?: string;
}

export async function writeBatch(sql: postgres.Sql, stream: string, epoch: bigint, batch: Batch, attempt: Attempt = {}): Promise<void> {
  const hasRange = batch.first !== undefined && batch.last !== undefined;
  await sql.begin(async (tx) => {
    // A batch without a range (rejects only) checks its lease first; a range batch in its last
    // statement, which saves a round trip per batch (bench/worker-cost.ts).
    if (!hasRange) learn(attempt, await leaseCheck(tx, stream, epoch), stream, epoch);
    const copying = copyAll(tx, batchCopies(stream, batch));
    if (!hasRange) {
      await copying;
      return;
    }
    const first = batch.first!.toString();
    // Sent behind the COPYs without waiting for them. The range goes in only while this epoch
    // holds the lease, and the lease row stays locked until commit: a takeover waits for this
    // batch, and a batch of a deposed writer inserts nothing and rolls back. Its rows before this
    // are invisible until the commit, which is sent only after this answer: an attempt that never
    // learnt its transaction id cannot have committed (resolveAttempt).
    const inserting = tx`INSERT INTO ingest_ranges (stream, first_tick, last_tick)
      SELECT ${stream}, ${first}::numeric, ${batch.last!.toString()}::numeric
      FROM ingest_leases WHERE stream = ${stream} AND epoch = ${epoch.toString()}::bigint FOR SHARE
      RETURNING first_tick::text, txid_current()::text AS xid, pg_backend_pid() AS pid,
        pg_postmaster_start_time()::text AS server_started_at, now()::text AS started_at`.execute();
    // A failed COPY answers first, and its error is the one to split the batch by.
    const [, [me]] = await Promise.all([copying, inserting]);
    learn(attempt, me, stream, epoch);
    // The answer must be to this statement: anything else means the connection lost track of
    // which reply is whose, and committing would be a guess.
    if (me!.first_tick !== first) throw new Error(`unexpected reply to the range insert of ${first}`);
  });
}

/** A batch's COPYs: its ticks' rows (binary), its rejects, gaps and chain breaks (text). */
function batchCopies(stream: string, batch: Batch): Copy[] {
  const name = copyText(stream);
  return [
    ...tickCopies(
      batch.tables,
      batch.stored.map((s) => s.rows),
    ),
    { table: "tick_rejects", columns: REJECT_COLUMNS, data: textRows(batch.rejected, (r) => rejectRow(stream, r)) },
    {
      table: "tick_gaps",
      columns: "stream, first_tick, last_tick, reason",
      data: textRows(batch.gaps, (g) => copyRow([name, g.first.toString(), g.last.toString(), copyReason(g.reason)])),
    },
    {
      table: "chain_breaks",
      columns: "stream, tick_number, expected_previous_output, previous_output",
      data: textRows(batch.chainBreaks, (c) => copyRow([name, c.tickNumber.toString(), copyReason(c.expected), copyReason(c.got)])),
    },
  ];
}

/** The lease row locked until commit, at this epoch; no row: fenced out. */
async function leaseCheck(tx: postgres.TransactionSql, stream: string, epoch: bigint) {
  const [me] = await tx`SELECT txid_current()::text AS xid, pg_backend_pid() AS pid,
      pg_postmaster_start_time()::text AS server_started_at, now()::text AS started_at
    FROM ingest_leases WHERE stream = ${stream} AND epoch = ${epoch.toString()}::bigint FOR SHARE`;
  return me;
}

/** What the attempt learnt of its transaction (its id for resolveAttempt, its session and start). */
function learn(attempt: Attempt, me: postgres.Row | undefined, stream: string, epoch: bigint) {
  if (!me) throw new FencedOut(stream, epoch);
  Object.assign(attempt, { xid: me.xid, pid: me.pid, serverStartedAt: me.server_started_at, startedAt: me.started_at });
}

/**
 * After a failure whose outcome is unknown: did exactly this attempt's transaction commit? Its
 * transaction id answers for the whole batch (range or none) and for the epoch that wrote it. A
 * transaction still in progress (its session not yet noticed dead) is ended first, so that it
 * cannot commit later. Throws when the server cannot be asked.
 */
export async function resolveAttempt(sql: postgres.Sql, stream: string, batch: Batch, attempt: Attempt): Promise<boolean> {
  if (attempt.xid === undefined) return false; // the first statement never answered: nothing was written
  const [server] = await sql`SELECT pg_postmaster_start_time()::text AS started_at`;
  if (server!.started_at !== attempt.serverStartedAt) return wroteRows(sql, stream, batch, attempt);
  for (let i = 0; i < RESOLVE_TRIES; i++) {
    const [row] = await sql`SELECT txid_status(${attempt.xid}::bigint) AS status`;
    const status = row?.status as string | null;
    if (status === "committed") return true;
    if (status !== "in progress") return false;
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE pid = ${attempt.pid!} AND backend_xid::text::bigint = (${attempt.xid}::bigint % 4294967296)`;
    await Bun.sleep(100);
  }
  throw new Error(`transaction ${attempt.xid} of the previous attempt is still in progress`);
}

/**
 * After a server restart its transaction ids say nothing (one not yet in the WAL at the crash is
 * handed out again), and no session of before is left: look for the rows the attempt wrote, by
 * the transaction's start time they all carry. A range batch wrote its range; a batch without a
 * range, its rejects.
 */
async function wroteRows(sql: postgres.Sql, stream: string, batch: Batch, attempt: Attempt): Promise<boolean> {
  // Sent as text: postgres.js would pass a timestamptz parameter through Date, losing the microseconds.
  const [row] =
    batch.first !== undefined && batch.last !== undefined
      ? await sql`SELECT EXISTS (SELECT 1 FROM ingest_ranges WHERE stream = ${stream} AND first_tick = ${batch.first.toString()}::numeric
                    AND last_tick = ${batch.last.toString()}::numeric AND committed_at = ${attempt.startedAt!}::text::timestamptz) AS wrote`
      : await sql`SELECT EXISTS (SELECT 1 FROM tick_rejects
          WHERE stream = ${stream} AND rejected_at = ${attempt.startedAt!}::text::timestamptz) AS wrote`;
  return row!.wrote === true;
}

export class WriteTimedOut extends Error {
  readonly code = "WRITE_TIMEOUT";
  constructor(ms: number) {
    super(`the batch transaction did not finish within ${ms}ms`);
    this.name = "WriteTimedOut";
  }
}

/** Whether the previous attempt committed could not be learnt (yet): nothing may be written meanwhile. */
class OutcomeUnknown extends Error {
  readonly code = "OUTCOME_UNKNOWN";
  constructor(xid: string | undefined, cause: unknown) {
    super(`cannot learn whether transaction ${xid} of the previous attempt committed: ${errorMessage(cause)}`, { cause });
    this.name = "OutcomeUnknown";
  }
}

export interface Committed {
  batch: Batch;
  retries: number;
}

export interface CommitOptions {
  hooks: WriteHooks;
  /** The longest one attempt may take; past it the client is abandoned and the outcome resolved. */
  attemptTimeoutMs: number;
}

/**
 * Commits the batch, splitting it when the database refuses a row; returns what committed.
 * `previousFailure`: a failure already seen once (on the whole batch this one was split from).
 */
export async function commitBatch(
  sql: postgres.Sql,
  stream: string,
  epoch: bigint,
  batch: Batch,
  options: CommitOptions,
  previousFailure?: string,
): Promise<Committed[]> {
  const { hooks } = options;
  let unresolved: Attempt | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      if (unresolved) {
        const previous = unresolved;
        const committed = await resolveAttempt(sql, stream, batch, previous).catch((cause: unknown) => {
          throw new OutcomeUnknown(previous.xid, cause);
        });
        if (committed) return [{ batch, retries: attempt }];
        unresolved = undefined;
      }
      const current: Attempt = {};
      unresolved = current;
      await withTimeout(writeBatch(sql, stream, epoch, batch, current), options.attemptTimeoutMs);
      return [{ batch, retries: attempt }];
    } catch (error) {
      if (error instanceof FencedOut) throw error;
      const failure = classifyFailure(error);
      if (rolledBack(error)) unresolved = undefined;
      const repeated = failure === "suspect" && previousFailure === describeFailure(error);
      previousFailure = describeFailure(error);
      if (unresolved === undefined && (failure === "rows" || repeated)) {
        const refused = refuseSingleTick(batch, error) ?? withoutRecordedAgain(batch, error);
        if (refused) return commitBatch(sql, stream, epoch, refused, options);
        if (batch.first !== undefined && batch.last !== undefined && batch.first < batch.last) {
          const [left, right] = splitBatch(batch);
          return [
            ...(await commitBatch(sql, stream, epoch, left, options, previousFailure)),
            ...(await commitBatch(sql, stream, epoch, right, options, previousFailure)),
          ];
        }
      }
      const delay = backoff(attempt);
      hooks.onRetry(error, attempt + 1, delay, batch);
      sql = hooks.renew();
      await Bun.sleep(delay);
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new WriteTimedOut(ms)), ms)));
  work.catch(() => {}); // an abandoned attempt's late failure is not an error
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
}

/** A one-tick batch whose tick the database refused becomes a batch that rejects it. */
function refuseSingleTick(batch: Batch, error: unknown): Batch | undefined {
  if (batch.stored.length !== 1 || batch.first !== batch.last) return undefined;
  const [{ rows, raw }] = batch.stored as [Batch["stored"][number]];
  const reason = errorMessage(error);
  return {
    ...batch,
    stored: [],
    rejected: [...batch.rejected, { tickNumber: rows.tickNumber, code: "database_refused", detail: reason, raw }],
  };
}

/**
 * A one-tick batch with nothing to store that still collides on a key: its gap or chain break is
 * already recorded (by an earlier run). Without them it commits; retrying it as it is never would.
 */
function withoutRecordedAgain(batch: Batch, error: unknown): Batch | undefined {
  const unique = (error as { code?: unknown }).code === "23505";
  if (!unique || batch.stored.length > 0 || batch.first !== batch.last || batch.gaps.length + batch.chainBreaks.length === 0)
    return undefined;
  return { ...batch, gaps: [], chainBreaks: [] };
}
