// The batch writer against a real PostgreSQL server: a row the database refuses is isolated by
// splitting the batch, stored as a reject with the database's reason, and the rest commits; a
// failure whose outcome is unknown is resolved by asking the server about exactly that attempt.
import { afterAll, expect, test } from "bun:test";
import { create, toBinary } from "@bufbuild/protobuf";
import postgres from "postgres";
import { TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { BatchBuilder, type Batch } from "../../src/sink/batch.ts";
import { FencedOut, Lease } from "../../src/sink/lease.ts";
import { commitBatch, resolveAttempt, writeBatch, type Attempt, type CommitOptions } from "../../src/sink/timescale-writer.ts";
import { startCuttingProxy } from "../support/cutting-proxy.ts";
import { migratedDatabase, refuseTick, statementLog } from "../support/database.ts";
import { openSql } from "../support/processes.ts";

const DATABASE = { statementTimeoutMs: 10_000 };
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

async function setUp(stream: string) {
  const db = await migratedDatabase();
  const sql = openSql(db);
  const lease = await Lease.acquire(db, DATABASE, { stream, signal: new AbortController().signal, onStandby: () => {}, onLost: () => {} });
  cleanup.push(
    () => sql.end(),
    () => lease.release(),
  );
  return { db, sql, lease };
}

const tickBytes = (n: bigint, txHash?: string) =>
  toBinary(
    TickSchema,
    create(TickSchema, {
      tickNumber: n,
      timestamp: 1_768_028_416_704_159n + n,
      transactionBatchHash: "ab".repeat(32),
      previousOutput: "cd".repeat(32),
      vdfProof: { input: "01", output: "02", proof: "03", iterations: 1n },
      transactions:
        txHash === undefined
          ? []
          : [
              {
                sequenceNumber: 0n,
                txHash,
                ingestionTimestamp: 1n,
                transaction: {
                  txId: "t",
                  payload: new Uint8Array([1]),
                  signature: new Uint8Array([2]),
                  publicKey: new Uint8Array([3]),
                  nonce: 1n,
                  timestamp: 1n,
                },
              },
            ],
    }),
  );

function batchOf(first: bigint, last: bigint, batchId = 1): Batch {
  const builder = new BatchBuilder();
  for (let n = first; n <= last; n++) builder.addTick(tickBytes(n));
  return builder.finish({ batchId, first: first.toString(), last: last.toString(), gaps: [], chainBreaks: [] });
}

/** Options that fail the test instead of retrying for ever: main retried refused rows without end. */
function options(sql: postgres.Sql, retries: unknown[] = [], maxRetries = 5): CommitOptions {
  return {
    attemptTimeoutMs: 20_000,
    hooks: {
      onRetry: (error) => {
        retries.push(error);
        if (retries.length > maxRetries) throw new Error(`retried ${retries.length} times: ${(error as Error).message}`);
      },
      renew: () => sql,
    },
  };
}

test("a tick the database refuses becomes a reject; the rest of its batch commits", async () => {
  const { sql, lease } = await setUp("w");
  // Tick 12 is already there (as if written by hand): its COPY row violates the primary key.
  await sql`INSERT INTO ticks (tick_number, "timestamp", batch_hash, previous_output, transaction_count)
            VALUES (12, to_timestamp(1768028416.704171), 'x', 'y', 0)`;
  const retries: unknown[] = [];
  const committed = await commitBatch(sql, "w", lease.epoch, batchOf(10n, 15n), options(sql, retries));

  expect(retries).toEqual([]);
  expect(committed.map((c) => [c.batch.first, c.batch.last])).toEqual([
    [10n, 11n],
    [12n, 12n],
    [13n, 15n],
  ]);
  const stored = await sql`SELECT tick_number::int AS n, batch_hash FROM ticks ORDER BY 1`;
  expect(stored.map((r) => `${r.n}:${r.batch_hash}`)).toEqual([
    "10:" + "ab".repeat(32),
    "11:" + "ab".repeat(32),
    "12:x",
    "13:" + "ab".repeat(32),
    "14:" + "ab".repeat(32),
    "15:" + "ab".repeat(32),
  ]);
  const [reject] = await sql`SELECT tick_number::int AS n, reason, length(raw) AS bytes FROM tick_rejects`;
  expect(reject!.n).toBe(12);
  expect(reject!.reason).toStartWith("database_refused: duplicate key value violates unique constraint");
  expect(reject!.bytes).toBe(tickBytes(12n).byteLength);
  const ranges = await sql`SELECT first_tick::int AS f, last_tick::int AS l FROM ingest_ranges ORDER BY 1`;
  expect(ranges.map((r) => [r.f, r.l])).toEqual([
    [10, 11],
    [12, 12],
    [13, 15],
  ]);
}, 30_000);

test("a program limit (SQLSTATE class 54) is the row's fault: the tick is isolated at once and kept as a reject", async () => {
  const { sql, lease } = await setUp("w");
  // As a 24,000-character tx_hash does to the btree index: 54000, not class 22 or 23.
  await refuseTick(sql, 33n, "index row size 24016 exceeds btree maximum", "program_limit_exceeded");
  const retries: unknown[] = [];
  const committed = await commitBatch(sql, "w", lease.epoch, batchOf(30n, 37n), options(sql, retries));
  expect(retries).toEqual([]);
  expect(committed.flatMap((c) => c.batch.rejected.map((r) => r.tickNumber))).toEqual([33n]);
  const [reject] = await sql`SELECT tick_number::int AS n, reason FROM tick_rejects`;
  expect(reject).toEqual({ n: 33, reason: "database_refused: index row size 24016 exceeds btree maximum" });
  const [{ n }] = (await sql`SELECT count(*)::int AS n FROM ticks`) as unknown as [{ n: number }];
  expect(n).toBe(7);
}, 30_000);

test("a refusal of another class that repeats identically on a fresh connection is the row's fault too", async () => {
  const { sql, lease } = await setUp("w");
  await refuseTick(sql, 41n, "tick 41 is not welcome");
  const retries: unknown[] = [];
  const committed = await commitBatch(sql, "w", lease.epoch, batchOf(40n, 43n), options(sql, retries));
  // One retry to see it repeat, then none while the batch is split down to the tick.
  expect(retries.map((e) => (e as Error).message)).toEqual(["tick 41 is not welcome"]);
  expect(committed.flatMap((c) => c.batch.rejected.map((r) => r.tickNumber))).toEqual([41n]);
  const rows = await sql`SELECT tick_number::int AS n FROM ticks ORDER BY 1`;
  expect(rows.map((r) => r.n)).toEqual([40, 42, 43]);
}, 30_000);

test("a schema problem (class 42) is never blamed on the rows: retried, nothing rejected", async () => {
  const { sql, lease } = await setUp("w");
  await sql`ALTER TABLE vdf_proofs RENAME TO vdf_proofs_moved`;
  const retries: unknown[] = [];
  await expect(commitBatch(sql, "w", lease.epoch, batchOf(50n, 51n), options(sql, retries, 2))).rejects.toThrow("retried 3 times");
  const [{ n }] = (await sql`SELECT count(*)::int AS n FROM tick_rejects`) as unknown as [{ n: number }];
  expect(n).toBe(0);
}, 30_000);

test("each failed attempt is reported as it happens, with the batch it belongs to", async () => {
  const { db, lease } = await setUp("w");
  const proxy = await startCuttingProxy(db);
  cleanup.push(() => proxy.stop());
  const viaProxy = openSql(proxy.url);
  cleanup.push(() => viaProxy.end({ timeout: 0 }));
  proxy.rule = { statement: "begin", when: "before" };
  const seen: string[] = [];
  const writing = commitBatch(viaProxy, "w", lease.epoch, batchOf(60n, 69n, 7), {
    attemptTimeoutMs: 20_000,
    hooks: {
      onRetry: (_error, attempt, _delay, batch) => {
        seen.push(`${attempt}:${batch.batchId}:${batch.first}-${batch.last}`);
        if (attempt === 3) proxy.rule = undefined;
      },
      renew: () => openSql(proxy.url),
    },
  });
  await writing;
  expect(seen).toEqual(["1:7:60-69", "2:7:60-69", "3:7:60-69"]);
}, 30_000);

test("a commit whose answer was lost is not written twice, even for a batch with no range (rejects only)", async () => {
  const { db, sql, lease } = await setUp("w");
  const proxy = await startCuttingProxy(db);
  cleanup.push(() => proxy.stop());
  const viaProxy = openSql(proxy.url);
  cleanup.push(() => viaProxy.end({ timeout: 0 }));
  const builder = new BatchBuilder();
  builder.addReject({ code: "undecodable", detail: "not a valid Tick message", rawBase64: "AAEC" });
  const rejectsOnly = builder.finish({ batchId: 1, gaps: [], chainBreaks: [] });
  proxy.rule = { statement: "commit", when: "after" };
  const retries: unknown[] = [];
  const committed = await commitBatch(viaProxy, "w", lease.epoch, rejectsOnly, options(sql, retries));
  expect(proxy.cuts).toBe(1);
  expect(retries.length).toBe(1);
  expect(committed.length).toBe(1);
  const [{ n }] = (await sql`SELECT count(*)::int AS n FROM tick_rejects`) as unknown as [{ n: number }];
  expect(n).toBe(1);
}, 30_000);

test("a deposed writer whose attempts failed does not take the new writer's range starting at its first tick for its own", async () => {
  const stream = "deposed";
  const { db, sql, lease } = await setUp(stream);
  const proxy = await startCuttingProxy(db);
  cleanup.push(() => proxy.stop());
  // The old writer's connection breaks at every transaction's start, as in a partition.
  proxy.rule = { statement: "begin", when: "before" };
  const connect = () => openSql(proxy.url);
  let outcome: string | undefined;
  const old = commitBatch(connect(), stream, lease.epoch, batchOf(100n, 119n), {
    attemptTimeoutMs: 20_000,
    hooks: { onRetry: () => {}, renew: connect },
  }).then(
    (committed) => (outcome = `committed ${committed.map((c) => `${c.batch.first}-${c.batch.last}`)}`),
    (error) => (outcome = error instanceof FencedOut ? "fenced out" : String(error)),
  );
  while (proxy.cuts < 1) await Bun.sleep(20);
  // The old writer's lock is gone; a standby takes over and commits a batch starting at tick 100.
  await lease.release();
  const standby = await Lease.acquire(db, DATABASE, {
    stream,
    holder: "standby",
    signal: new AbortController().signal,
    onStandby: () => {},
    onLost: () => {},
  });
  cleanup.push(() => standby.release());
  await writeBatch(sql, stream, standby.epoch, batchOf(100n, 104n));
  const cutsAfterTakeover = proxy.cuts;
  while (proxy.cuts < cutsAfterTakeover + 1 && outcome === undefined) await Bun.sleep(20);
  proxy.rule = undefined; // the partition heals
  await old;
  expect(outcome).toBe("fenced out");
}, 60_000);

test("while the previous attempt's outcome cannot be learnt, nothing is written again", async () => {
  const { db, sql, lease } = await setUp("w");
  const proxy = await startCuttingProxy(db);
  cleanup.push(() => proxy.stop());
  // A client on which the question itself fails with an ERROR answer (as a missing privilege would).
  await sql.unsafe(
    `CREATE FUNCTION public.txid_status(bigint) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'permission denied for function txid_status'; END $$`,
  );
  const refusing = postgres(db, { max: 1, onnotice: () => {}, connection: { search_path: "public, pg_catalog" } });
  cleanup.push(() => refusing.end());
  const connect = () => openSql(proxy.url);
  proxy.rule = { statement: "commit", when: "after" };
  const errors: string[] = [];
  const committed = await commitBatch(connect(), "w", lease.epoch, batchOf(70n, 79n), {
    attemptTimeoutMs: 20_000,
    hooks: {
      onRetry: (error) => {
        errors.push((error as Error).message);
        proxy.rule = undefined;
      },
      // The commit's answer is lost; the first question whether it committed is refused.
      renew: () => (errors.length === 1 ? refusing : connect()),
    },
  });
  expect(errors.length).toBe(2);
  expect(errors[1]).toContain("permission denied for function txid_status");
  expect(committed.map((c) => [c.batch.first, c.batch.last, c.batch.rejected.length])).toEqual([[70n, 79n, 0]]);
  const [{ n }] = (await sql`SELECT count(*)::int AS n FROM ingest_ranges WHERE first_tick >= 70`) as unknown as [{ n: number }];
  expect(n).toBe(1);
}, 30_000);

test("after a server restart a reused transaction id is not taken for the attempt's: its rows are looked for instead", async () => {
  const { sql, lease } = await setUp("w");
  // The attempt noted transaction X, then the server crashed before X reached the WAL; after the
  // restart X was handed out again, to a transaction that committed something else.
  const [other] = await sql.begin(async (tx) => {
    await tx`INSERT INTO tick_gaps (stream, first_tick, last_tick, reason) VALUES ('other', 1, 1, 'another transaction')`;
    return tx`SELECT txid_current()::text AS xid, now()::text AS started_at`;
  });
  const batch = batchOf(90n, 91n);
  const beforeRestart = {
    xid: other!.xid as string,
    pid: 1,
    serverStartedAt: "2000-01-01 00:00:00+00",
    startedAt: "2000-01-01 00:00:01+00",
  };
  expect(await resolveAttempt(sql, "w", batch, beforeRestart)).toBe(false);
  // The attempt's own rows, written in its transaction, do answer.
  await writeBatch(sql, "w", lease.epoch, batch);
  const [range] = await sql`SELECT committed_at::text AS at FROM ingest_ranges WHERE first_tick = 90`;
  expect(await resolveAttempt(sql, "w", batch, { ...beforeRestart, startedAt: range!.at as string })).toBe(true);
}, 30_000);

test("an attempt whose transaction is still running (its session not yet noticed dead) is ended before it is judged", async () => {
  const { db, sql } = await setUp("w");
  const stale = openSql(db);
  cleanup.push(() => stale.end({ timeout: 0 }));
  let noted!: (attempt: Attempt) => void;
  const attempt = new Promise<Attempt>((resolve) => (noted = resolve));
  const running = stale
    .begin(async (tx) => {
      const [me] =
        await tx`SELECT txid_current()::text AS xid, pg_backend_pid() AS pid, pg_postmaster_start_time()::text AS s, now()::text AS t`;
      noted({ xid: me!.xid, pid: me!.pid, serverStartedAt: me!.s, startedAt: me!.t });
      await tx`INSERT INTO ingest_ranges (stream, first_tick, last_tick) VALUES ('w', 95, 96)`;
      await Bun.sleep(60_000); // the commit would come later, if the session were let live
    })
    .then(
      () => "committed",
      () => "ended",
    );
  expect(await resolveAttempt(sql, "w", batchOf(95n, 96n), await attempt)).toBe(false);
  expect(await running).toBe("ended");
  const [{ n }] = (await sql`SELECT count(*)::int AS n FROM ingest_ranges`) as unknown as [{ n: number }];
  expect(n).toBe(0);
}, 30_000);

test("a one-tick batch whose gap an earlier run already recorded commits, instead of being retried for ever", async () => {
  const { sql, lease } = await setUp("w");
  await sql`INSERT INTO tick_gaps (stream, first_tick, last_tick, reason) VALUES ('w', 40, 40, 'recorded by an earlier run')`;
  const batch = new BatchBuilder().finish({
    batchId: 2,
    first: "40",
    last: "40",
    gaps: [{ first: "40", last: "40", reason: "not in the stream" }],
    chainBreaks: [],
  });
  const retries: unknown[] = [];
  const committed = await commitBatch(sql, "w", lease.epoch, batch, options(sql, retries, 2));
  expect(committed.length).toBe(1);
  expect(retries).toEqual([]);
  const gaps = await sql`SELECT first_tick::int AS f, reason FROM tick_gaps WHERE first_tick = 40`;
  expect(gaps.map((g) => g.reason)).toEqual(["recorded by an earlier run"]);
  const [range] = await sql`SELECT last_tick::int AS l FROM ingest_ranges WHERE first_tick = 40`;
  expect(range?.l).toBe(40);
}, 30_000);

test("a range batch is BEGIN, one query of a COPY per table with rows, the range insert that checks the lease, COMMIT", async () => {
  const { db, lease } = await setUp("statements");
  const { sql, queries: statements } = statementLog(db);
  cleanup.push(() => sql.end());
  await sql`SELECT 1`; // the connection's own first queries
  statements.length = 0;
  const attempt: Attempt = {};
  await writeBatch(sql, "statements", lease.epoch, batchOf(1n, 3n), attempt);
  expect(statements).toEqual(["begin", "COPY ticks; COPY vdf_proofs", "INSERT INTO", "commit"]);
  expect(attempt.xid).toMatch(/^\d+$/);
  const [range] = await sql`SELECT first_tick::text, last_tick::text FROM ingest_ranges WHERE stream = 'statements'`;
  expect(range).toEqual({ first_tick: "1", last_tick: "3" });
});
