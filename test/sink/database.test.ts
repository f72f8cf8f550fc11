// Every connection has a time limit on its statements, and the lock's connection has the server's
// TCP keepalives set, so that a writer whose host vanished loses its lock in seconds.
import { afterAll, expect, test } from "bun:test";
import type postgres from "postgres";
import { connectDatabase, KEEPALIVE_COUNT, KEEPALIVE_IDLE_S, KEEPALIVE_INTERVAL_S } from "../../src/sink/database.ts";
import { Lease } from "../../src/sink/lease.ts";
import { migratedDatabase } from "../support/database.ts";
import { openSql } from "../support/processes.ts";

const db = await migratedDatabase();
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

test("a statement that runs past DB_STATEMENT_TIMEOUT is cancelled by the server", async () => {
  const sql = connectDatabase(db, { statementTimeoutMs: 300 }, { max: 1 });
  cleanup.push(() => sql.end());
  const started = performance.now();
  const error = await sql`SELECT pg_sleep(30)`.then(
    () => undefined,
    (e: Error & { code?: string }) => e,
  );
  expect(error?.code).toBe("57014");
  expect(performance.now() - started).toBeLessThan(10_000);
}, 30_000);

test("the lock's connection sets the server's TCP keepalives: a dead host's lock is released in seconds", async () => {
  const lease = await Lease.acquire(
    db,
    { statementTimeoutMs: 10_000 },
    { stream: "k", signal: new AbortController().signal, onStandby: () => {}, onLost: () => {} },
  );
  cleanup.push(() => lease.release());
  // The lease's own session is the one whose settings count: read them through it.
  const sql = (lease as unknown as { sql: postgres.Sql }).sql;
  const [row] =
    await sql`SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval, current_setting('tcp_keepalives_count') AS count`;
  expect(row).toEqual({ idle: String(KEEPALIVE_IDLE_S), interval: String(KEEPALIVE_INTERVAL_S), count: String(KEEPALIVE_COUNT) });
  // What the README promises: idle + count * interval.
  expect(KEEPALIVE_IDLE_S + KEEPALIVE_COUNT * KEEPALIVE_INTERVAL_S).toBe(11);
}, 30_000);

test("a takeover that waits past the statement timeout for the old writer's batch goes on waiting, then takes over", async () => {
  const signal = new AbortController().signal;
  const old = await Lease.acquire(
    db,
    { statementTimeoutMs: 10_000 },
    { stream: "t", holder: "old", signal, onStandby: () => {}, onLost: () => {} },
  );
  // A batch of the old writer, stuck (its host gone): it holds the lease row until it ends.
  const stuck = openSql(db);
  cleanup.push(() => stuck.end());
  let finishBatch!: () => void;
  const batchDone = new Promise<void>((resolve) => (finishBatch = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const batch = stuck.begin(async (tx) => {
    await tx`SELECT 1 FROM ingest_leases WHERE stream = 't' FOR SHARE`;
    holding();
    await batchDone;
  });
  await held;
  await old.release();
  let standingBy = false;
  const takeover = Lease.acquire(
    db,
    { statementTimeoutMs: 300 },
    { stream: "t", holder: "new", signal, onStandby: () => (standingBy = true), onLost: () => {} },
  );
  await Bun.sleep(1_500);
  finishBatch();
  await batch;
  const lease = await takeover;
  cleanup.push(() => lease.release());
  expect({ epoch: lease.epoch, standingBy }).toEqual({ epoch: old.epoch + 1n, standingBy: true });
}, 30_000);
