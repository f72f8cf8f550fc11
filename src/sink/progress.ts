// Where ingestion got to, kept in the database. `next_tick` is the checkpoint: every tick below it
// is committed. Batches commit out of order, so each one also records its range in
// ingest_ranges; the checkpoint moves over a contiguous run of them and the ranges below go.
// Moving the checkpoint and deleting ranges are fenced by the lease epoch, like batches: a writer
// that was deposed without noticing can no longer change either.
import type postgres from "postgres";
import { FencedOut } from "./lease.ts";

export interface Progress {
  /** Undefined for a stream that has never committed anything. */
  nextTick?: bigint;
  /** Ranges committed above the checkpoint, in order. */
  committedAhead: Array<[bigint, bigint]>;
}

export async function loadProgress(sql: postgres.Sql, stream: string): Promise<Progress> {
  // One snapshot: a checkpoint saved between two separate reads could delete ranges not yet read.
  return sql.begin("isolation level repeatable read read only", async (tx) => {
    const [checkpoint] = await tx`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`;
    const ranges = await tx`
      SELECT first_tick::text, last_tick::text FROM ingest_ranges WHERE stream = ${stream} ORDER BY first_tick`;
    return {
      nextTick: checkpoint ? BigInt(checkpoint.next_tick) : undefined,
      committedAhead: ranges.map((r) => [BigInt(r.first_tick), BigInt(r.last_tick)] as [bigint, bigint]),
    };
  });
}

/**
 * Holds the stream's lease row until the transaction ends, or throws FencedOut if `epoch` is no
 * longer current. A takeover's epoch bump waits for the lock, then refuses every later write.
 */
export async function holdLease(tx: postgres.TransactionSql, stream: string, epoch: bigint): Promise<void> {
  const [lease] = await tx`SELECT 1 FROM ingest_leases WHERE stream = ${stream} AND epoch = ${epoch.toString()}::bigint FOR SHARE`;
  if (!lease) throw new FencedOut(stream, epoch);
}

/** The first checkpoint of a stream; a no-op if another process set one first. */
export async function initCheckpoint(sql: postgres.Sql, stream: string, epoch: bigint, nextTick: bigint): Promise<bigint> {
  return sql.begin(async (tx) => {
    await holdLease(tx, stream, epoch);
    await tx`
      INSERT INTO ingest_checkpoints (stream, next_tick) VALUES (${stream}, ${nextTick.toString()}::numeric)
      ON CONFLICT (stream) DO NOTHING`;
    const [row] = await tx`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`;
    return BigInt(row!.next_tick);
  });
}

export async function saveCheckpoint(sql: postgres.Sql, stream: string, epoch: bigint, nextTick: bigint): Promise<void> {
  const next = nextTick.toString();
  await sql.begin(async (tx) => {
    await holdLease(tx, stream, epoch);
    await tx`
      UPDATE ingest_checkpoints SET next_tick = ${next}::numeric, updated_at = now()
      WHERE stream = ${stream} AND next_tick < ${next}::numeric`;
    await tx`DELETE FROM ingest_ranges WHERE stream = ${stream} AND last_tick < ${next}::numeric`;
  });
}
