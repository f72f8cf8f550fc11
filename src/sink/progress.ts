// Where ingestion got to, kept in the database. `next_tick` is the checkpoint: every tick below it
// is committed. Batches commit out of order, so each one also records its range in
// ingest_ranges; the checkpoint moves over a contiguous run of them and the ranges below go.
import type postgres from "postgres";

export interface Progress {
  /** Undefined for a stream that has never committed anything. */
  nextTick?: bigint;
  /** Ranges committed above the checkpoint, in order. */
  committedAhead: Array<[bigint, bigint]>;
}

export async function loadProgress(sql: postgres.Sql, stream: string): Promise<Progress> {
  const [checkpoint] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`;
  const ranges = await sql`
    SELECT first_tick::text, last_tick::text FROM ingest_ranges WHERE stream = ${stream} ORDER BY first_tick`;
  return {
    nextTick: checkpoint ? BigInt(checkpoint.next_tick) : undefined,
    committedAhead: ranges.map((r) => [BigInt(r.first_tick), BigInt(r.last_tick)] as [bigint, bigint]),
  };
}

/** The first checkpoint of a stream; a no-op if another process set one first. */
export async function initCheckpoint(sql: postgres.Sql, stream: string, nextTick: bigint): Promise<bigint> {
  await sql`
    INSERT INTO ingest_checkpoints (stream, next_tick) VALUES (${stream}, ${nextTick.toString()}::numeric)
    ON CONFLICT (stream) DO NOTHING`;
  const [row] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`;
  return BigInt(row!.next_tick);
}

export async function saveCheckpoint(sql: postgres.Sql, stream: string, nextTick: bigint): Promise<void> {
  const next = nextTick.toString();
  await sql.begin(async (tx) => {
    await tx`
      UPDATE ingest_checkpoints SET next_tick = ${next}::numeric, updated_at = now()
      WHERE stream = ${stream} AND next_tick < ${next}::numeric`;
    await tx`DELETE FROM ingest_ranges WHERE stream = ${stream} AND last_tick < ${next}::numeric`;
  });
}
