// The batch writer against a real PostgreSQL server: a row the database refuses is isolated by
// splitting the batch, stored as a reject with the database's reason, and the rest commits.
import { afterAll, expect, test } from "bun:test";
import { create, toBinary } from "@bufbuild/protobuf";
import postgres from "postgres";
import { TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { BatchBuilder } from "../../src/sink/batch.ts";
import { Lease } from "../../src/sink/lease.ts";
import { commitBatch } from "../../src/sink/timescale-writer.ts";
import { migratedDatabase } from "../support/database.ts";

const db = await migratedDatabase();
const sql = postgres(db, { max: 1, onnotice: () => {} });
const lease = await Lease.acquire(db, { stream: "w", signal: new AbortController().signal, onStandby: () => {}, onLost: () => {} });
afterAll(async () => {
  await lease.release();
  await sql.end();
});

const tickBytes = (n: bigint) =>
  toBinary(
    TickSchema,
    create(TickSchema, {
      tickNumber: n,
      timestamp: 1_768_028_416_704_159n + n,
      transactionBatchHash: "ab".repeat(32),
      previousOutput: "cd".repeat(32),
      vdfProof: { input: "01", output: "02", proof: "03", iterations: 1n },
    }),
  );

test("a tick the database refuses becomes a reject; the rest of its batch commits", async () => {
  // Tick 12 is already there (as if written by hand): its COPY row violates the primary key.
  await sql`INSERT INTO ticks (tick_number, "timestamp", batch_hash, previous_output, transaction_count)
            VALUES (12, to_timestamp(1768028416.704171), 'x', 'y', 0)`;
  const builder = new BatchBuilder();
  for (let n = 10n; n <= 15n; n++) builder.addTick(tickBytes(n));
  const batch = builder.finish({ batchId: 1, first: "10", last: "15", gaps: [], chainBreaks: [] });
  const retries: unknown[] = [];
  const committed = await commitBatch(sql, "w", lease.epoch, batch, { onRetry: (e) => retries.push(e), renew: () => sql });

  expect(retries).toEqual([]);
  expect(committed.map((c) => [c.batch.first, c.batch.last])).toEqual([
    [10n, 11n],
    [12n, 12n],
    [13n, 15n],
  ]);
  const stored = await sql`SELECT tick_number::int AS n, batch_hash FROM ticks ORDER BY 1`;
  expect(stored.map((r) => `${r.n}:${r.batch_hash}`)).toEqual(["10:" + "ab".repeat(32), "11:" + "ab".repeat(32), "12:x", "13:" + "ab".repeat(32), "14:" + "ab".repeat(32), "15:" + "ab".repeat(32)]);
  const [reject] = await sql`SELECT tick_number::int AS n, reason, length(raw) AS bytes FROM tick_rejects`;
  expect(reject!.n).toBe(12);
  expect(reject!.reason).toStartWith("database_refused: duplicate key value violates unique constraint");
  expect(reject!.bytes).toBe(tickBytes(12n).byteLength);
  const ranges = await sql`SELECT first_tick::int AS f, last_tick::int AS l FROM ingest_ranges ORDER BY 1`;
  expect(ranges.map((r) => [r.f, r.l])).toEqual([[10, 11], [12, 12], [13, 15]]);
}, 30_000);

test("a one-tick batch whose gap an earlier run already recorded commits, instead of being retried for ever", async () => {
  await sql`INSERT INTO tick_gaps (stream, first_tick, last_tick, reason) VALUES ('w', 40, 40, 'recorded by an earlier run')`;
  const batch = new BatchBuilder().finish({ batchId: 2, first: "40", last: "40", gaps: [{ first: "40", last: "40", reason: "not in the stream" }], chainBreaks: [] });
  const retries: unknown[] = [];
  const gaveUp = new AbortController();
  const committed = await Promise.race([
    commitBatch(sql, "w", lease.epoch, batch, {
      onRetry: (e, attempt) => {
        retries.push(e);
        if (attempt >= 3) gaveUp.abort();
      },
      renew: () => sql,
    }),
    new Promise<"retried for ever">((resolve) => gaveUp.signal.addEventListener("abort", () => resolve("retried for ever"))),
  ]);
  expect(committed).not.toBe("retried for ever");
  expect(retries).toEqual([]);
  const gaps = await sql`SELECT first_tick::int AS f, reason FROM tick_gaps WHERE first_tick = 40`;
  expect(gaps.map((g) => g.reason)).toEqual(["recorded by an earlier run"]);
  const [range] = await sql`SELECT last_tick::int AS l FROM ingest_ranges WHERE first_tick = 40`;
  expect(range?.l).toBe(40);
}, 30_000);
