// The checkpoint and the committed ranges against a real PostgreSQL server: only the current
// writer (the lease's epoch) may move the checkpoint or delete ranges.
import { afterAll, expect, test } from "bun:test";
import { FencedOut, Lease } from "../../src/sink/lease.ts";
import { initCheckpoint, loadProgress, saveCheckpoint } from "../../src/sink/progress.ts";
import { migratedDatabase } from "../support/database.ts";
import { openSql } from "../support/processes.ts";

const DATABASE = { statementTimeoutMs: 10_000 };
const STREAM = "progress";
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

const acquire = (db: string, holder: string) =>
  Lease.acquire(db, DATABASE, { stream: STREAM, holder, signal: new AbortController().signal, onStandby: () => {}, onLost: () => {} });

test("a deposed writer can neither move the checkpoint nor delete the new writer's ranges", async () => {
  const db = await migratedDatabase();
  const sql = openSql(db);
  cleanup.push(() => sql.end());
  const deposed = await acquire(db, "deposed");
  expect(await initCheckpoint(sql, STREAM, deposed.epoch, 100n)).toBe(100n);
  await deposed.release();
  const current = await acquire(db, "current");
  cleanup.push(() => current.release());
  // The new writer committed 100..149 and 150..199 but has not saved its checkpoint yet.
  await sql`INSERT INTO ingest_ranges (stream, first_tick, last_tick) VALUES (${STREAM}, 100, 149), (${STREAM}, 150, 199)`;

  await expect(saveCheckpoint(sql, STREAM, deposed.epoch, 200n)).rejects.toThrow(FencedOut);
  expect(await loadProgress(sql, STREAM)).toEqual({
    nextTick: 100n,
    committedAhead: [
      [100n, 149n],
      [150n, 199n],
    ],
  });

  await saveCheckpoint(sql, STREAM, current.epoch, 150n);
  expect(await loadProgress(sql, STREAM)).toEqual({ nextTick: 150n, committedAhead: [[150n, 199n]] });
}, 30_000);

test("a deposed writer cannot set a first checkpoint", async () => {
  const db = await migratedDatabase();
  const sql = openSql(db);
  cleanup.push(() => sql.end());
  const deposed = await acquire(db, "deposed");
  await deposed.release();
  const current = await acquire(db, "current");
  cleanup.push(() => current.release());
  await expect(initCheckpoint(sql, STREAM, deposed.epoch, 500n)).rejects.toThrow(FencedOut);
  expect(await loadProgress(sql, STREAM)).toEqual({ nextTick: undefined, committedAhead: [] });
}, 30_000);

test("the checkpoint and the ranges are read in one snapshot, even when a checkpoint is saved between the two reads", async () => {
  const db = await migratedDatabase();
  const sql = openSql(db);
  const other = openSql(db);
  const watcher = openSql(db);
  cleanup.push(
    () => sql.end(),
    () => other.end(),
    () => watcher.end(),
  );
  const writer = await acquire(db, "writer");
  cleanup.push(() => writer.release());
  await initCheckpoint(sql, STREAM, writer.epoch, 100n);
  await sql`INSERT INTO ingest_ranges (stream, first_tick, last_tick) VALUES (${STREAM}, 100, 149), (${STREAM}, 150, 199)`;

  // The ranges' read waits behind a lock; meanwhile the checkpoint moves and the ranges go.
  let release!: () => void;
  let locked!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const saving = other.begin(async (tx) => {
    await tx`LOCK TABLE ingest_ranges IN ACCESS EXCLUSIVE MODE`;
    locked();
    await released;
    await tx`UPDATE ingest_checkpoints SET next_tick = 200 WHERE stream = ${STREAM}`;
    await tx`DELETE FROM ingest_ranges WHERE stream = ${STREAM} AND last_tick < 200`;
  });
  await isLocked;
  const loading = loadProgress(sql, STREAM);
  for (let waited = 0; ; waited += 20) {
    const [row] = await watcher
      .unsafe(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ingest_ranges%'`)
      .catch(() => [{ n: 0 }]);
    if ((row as { n: number }).n > 0 || waited > 5_000) break;
    await Bun.sleep(20);
  }
  release();
  await saving;
  const progress = await loading;
  // Either state is a consistent one; an old checkpoint without its ranges would ingest 100..199 again.
  expect([JSON.stringify(progress, (_k, v) => (typeof v === "bigint" ? String(v) : v))]).toContainAnyValues([
    JSON.stringify({
      nextTick: "100",
      committedAhead: [
        ["100", "149"],
        ["150", "199"],
      ],
    }),
    JSON.stringify({ nextTick: "200", committedAhead: [] }),
  ]);
}, 30_000);
