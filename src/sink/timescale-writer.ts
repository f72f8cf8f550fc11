// Writes a batch to TimescaleDB/PostgreSQL: COPY into ticks, vdf_proofs and tick_transactions,
// its rejects, gaps and chain breaks, and its committed range, all in one transaction.
// A batch is never dropped: connection failures are retried until it commits, and a row the
// database refuses is found by splitting the batch and stored as a reject with the reason.
import type postgres from "postgres";
import { splitBatch, type Batch, type RejectedTick } from "./batch.ts";
import { copyBytea, copyRow, copyText } from "./copy-text.ts";
import { FencedOut } from "./lease.ts";
import { TICK_COLUMNS, TRANSACTION_COLUMNS, VDF_PROOF_COLUMNS } from "./tick-rows.ts";

export interface WriteHooks {
  onRetry(error: unknown, attempt: number, delayMs: number): void;
  /**
   * A new client, after a failure that was not the data's. postgres.js on Bun does not always
   * recover a connection after a server restart (porsager/postgres#738, #1214): retrying on the
   * same client was seen to hang and, once, to commit a batch's range without its rows.
   */
  renew(): postgres.Sql;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;

async function copyInto(tx: postgres.TransactionSql, table: string, columns: string, rows: string) {
  if (rows.length === 0) return;
  const stream = await tx.unsafe(`COPY ${table} (${columns}) FROM STDIN`).writable();
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.write(rows);
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** NUL cannot be stored in text; a reason is ours to shorten, never to lose. */
const reasonText = (text: string) => copyText(text.replaceAll("\0", "\\0"));
const nullable = (n: bigint | undefined) => (n === undefined ? "\\N" : n.toString());

function rejectRows(stream: string, rejected: RejectedTick[]) {
  return rejected
    .map((r) => copyRow([copyText(stream), nullable(r.tickNumber), reasonText(`${r.code}: ${r.detail}`), copyBytea(r.raw)]))
    .join("");
}

export async function writeBatch(sql: postgres.Sql, stream: string, epoch: bigint, batch: Batch): Promise<void> {
  const name = copyText(stream);
  await sql.begin(async (tx) => {
    // Held until commit: a new writer's takeover waits for this batch, and then refuses older ones.
    const [lease] = await tx`SELECT 1 FROM ingest_leases WHERE stream = ${stream} AND epoch = ${epoch.toString()}::bigint FOR SHARE`;
    if (!lease) throw new FencedOut(stream, epoch);
    await copyInto(tx, "ticks", TICK_COLUMNS, batch.stored.map((s) => s.rows.tick).join(""));
    await copyInto(tx, "vdf_proofs", VDF_PROOF_COLUMNS, batch.stored.map((s) => s.rows.vdfProof).join(""));
    await copyInto(tx, "tick_transactions", TRANSACTION_COLUMNS, batch.stored.map((s) => s.rows.transactions).join(""));
    await copyInto(tx, "tick_rejects", "stream, tick_number, reason, raw", rejectRows(stream, batch.rejected));
    await copyInto(
      tx,
      "tick_gaps",
      "stream, first_tick, last_tick, reason",
      batch.gaps.map((g) => copyRow([name, g.first.toString(), g.last.toString(), reasonText(g.reason)])).join(""),
    );
    await copyInto(
      tx,
      "chain_breaks",
      "stream, tick_number, expected_previous_output, previous_output",
      batch.chainBreaks.map((c) => copyRow([name, c.tickNumber.toString(), reasonText(c.expected), reasonText(c.got)])).join(""),
    );
    if (batch.first !== undefined && batch.last !== undefined) {
      const [range] = await tx`INSERT INTO ingest_ranges (stream, first_tick, last_tick)
               VALUES (${stream}, ${batch.first.toString()}::numeric, ${batch.last.toString()}::numeric)
               RETURNING first_tick::text`;
      // The answer must be to this statement: anything else means the connection lost track of
      // which reply is whose, and committing would be a guess.
      if (range?.first_tick !== batch.first.toString()) throw new Error(`unexpected reply to the range insert of ${batch.first}`);
    }
  });
}

/** After a failure whose outcome is unknown: did the batch's transaction commit after all? */
async function alreadyCommitted(sql: postgres.Sql, stream: string, batch: Batch): Promise<boolean> {
  if (batch.first === undefined) return false;
  const first = batch.first.toString();
  const [row] = await sql`
    SELECT EXISTS (SELECT 1 FROM ingest_ranges WHERE stream = ${stream} AND first_tick = ${first}::numeric)
        OR EXISTS (SELECT 1 FROM ingest_checkpoints WHERE stream = ${stream} AND next_tick > ${first}::numeric) AS done`;
  return row?.done === true;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the rows, not the server. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

export interface Committed {
  batch: Batch;
  retries: number;
}

/** Commits the batch, splitting it when the database refuses a row; returns what committed. */
export async function commitBatch(sql: postgres.Sql, stream: string, epoch: bigint, batch: Batch, hooks: WriteHooks): Promise<Committed[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeBatch(sql, stream, epoch, batch);
      return [{ batch, retries: attempt }];
    } catch (error) {
      if (error instanceof FencedOut) throw error;
      const committed = await alreadyCommitted(sql, stream, batch).catch(() => false);
      if (committed) return [{ batch, retries: attempt }];
      if (isDataError(error)) {
        const refused = refuseSingleTick(batch, error) ?? withoutRecordedAgain(batch, error);
        if (refused) return commitBatch(sql, stream, epoch, refused, hooks);
        if (batch.first !== undefined && batch.last !== undefined && batch.first < batch.last) {
          const [left, right] = splitBatch(batch);
          return [...(await commitBatch(sql, stream, epoch, left, hooks)), ...(await commitBatch(sql, stream, epoch, right, hooks))];
        }
      }
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
      hooks.onRetry(error, attempt + 1, delay);
      sql = hooks.renew();
      await Bun.sleep(delay);
    }
  }
}

/** A one-tick batch whose tick the database refused becomes a batch that rejects it. */
function refuseSingleTick(batch: Batch, error: unknown): Batch | undefined {
  if (batch.stored.length !== 1 || batch.first !== batch.last) return undefined;
  const [{ rows, raw }] = batch.stored as [Batch["stored"][number]];
  const reason = (error as Error).message;
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
  if (!unique || batch.stored.length > 0 || batch.first !== batch.last || batch.gaps.length + batch.chainBreaks.length === 0) return undefined;
  return { ...batch, gaps: [], chainBreaks: [] };
}
