// The pipeline into a real TimescaleDB server (2.28.3 on PostgreSQL 15): hypertables, writes into
// chunks already compressed (a catch-up after an outage longer than COMPRESS_AFTER), and the
// compression and retention policies' jobs running while the ingester writes. Each run is checked
// tick by tick against what the simulator serves.
import { afterEach, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import { migrate } from "../../src/schema/migrate.ts";
import { exactlyOnce, FIRST, finishAndVerify, PipelineParts, stopGracefully, STREAM, verify } from "../support/pipeline.ts";
import { query, waitForCheckpoint } from "../support/processes.ts";
import { startTimescale } from "../support/timescale.ts";

const parts = new PipelineParts();
afterEach(() => parts.stopAll());

const DAY_MICROS = 86_400_000_000n;
const nowMicros = () => BigInt(Date.now()) * 1000n;

/** A migrated database whose policies run only when a test runs them (run_job), not also when
 * TimescaleDB's scheduler picks them up: each test decides when its jobs run. */
async function timescaleDatabase() {
  const timescale = await startTimescale();
  parts.add(() => timescale.stop());
  await query(timescale.url, async (sql) => {
    await migrate(sql, { compressAfter: "1 day", retainFor: "7 days" });
    await sql`SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL`;
  });
  return timescale.url;
}

async function checkpoint(db: postgres.Sql): Promise<bigint> {
  const [row] = await db`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${STREAM}`;
  return row ? BigInt(row.next_tick) : FIRST;
}

/** Runs a policy's job for each tick table now, as TimescaleDB's scheduler would. */
async function runPolicy(db: postgres.Sql, policy: "policy_compression" | "policy_retention") {
  const jobs = await db`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = ${policy} ORDER BY job_id`;
  expect(jobs.length).toBe(3);
  for (const { job_id } of jobs) await db.unsafe(`CALL run_job(${Number(job_id)})`);
}

/** Runs the policy's job over and over until the stream is committed up to `next`; returns how
 * many runs had work to do (`pending` before the run) and ended with the ingester still writing. */
async function runPolicyUntil(
  db: postgres.Sql,
  policy: "policy_compression" | "policy_retention",
  next: bigint,
  pending: () => Promise<boolean>,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  let whileWriting = 0;
  while ((await checkpoint(db)) < next) {
    if (Date.now() > deadline) throw new Error(`the checkpoint did not reach ${next} within ${timeoutMs} ms (at ${await checkpoint(db)})`);
    const work = await pending();
    await runPolicy(db, policy);
    if (work && (await checkpoint(db)) < next) whileWriting++;
    await Bun.sleep(100);
  }
  return whileWriting;
}

/** Chunks written to since they were compressed (the catalog's partial flag, 8), which the
 * compression job compresses again. */
async function partlyCompressedChunks(db: postgres.Sql): Promise<number> {
  const [row] = await db`SELECT count(*)::int AS n FROM _timescaledb_catalog.chunk WHERE status & 8 <> 0`;
  return row!.n;
}

async function chunksOlderThan(db: postgres.Sql, age: string): Promise<number> {
  let n = 0;
  for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
    n += (await db`SELECT c FROM show_chunks(${table}::regclass, older_than => ${age}::interval) c`).length;
  }
  return n;
}

async function chunks(db: postgres.Sql) {
  const rows = await db`SELECT hypertable_name AS table, is_compressed FROM timescaledb_information.chunks ORDER BY 1, range_start`;
  return rows.map((r) => `${r.table} ${r.is_compressed ? "compressed" : "uncompressed"}`);
}

/** Stalls the stream at these ticks (once each): the ingester is still at work when a job runs. */
const stalls = (...ticks: number[]) => ticks.map((k) => ({ tick: FIRST + BigInt(k), ms: 1500 }));

describe("TimescaleDB: the pipeline into hypertables", () => {
  test("TimescaleDB: 30,000 ticks stored in the hypertables exactly once, as served", async () => {
    const count = 30_000;
    const db = await timescaleDatabase();
    const sim = await parts.simulator(count);
    const proc = parts.ingester(sim, db);
    expect(await finishAndVerify(proc, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
    await query(db, async (sql) => {
      const hypertables = await sql`SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1`;
      expect(hypertables.map((h) => h.hypertable_name)).toEqual(["tick_transactions", "ticks", "vdf_proofs"]);
      const [rows] = await sql`SELECT (SELECT count(*) FROM ONLY ticks)::int AS parent, (SELECT count(*) FROM ticks)::int AS total`;
      expect({ ...rows }).toEqual({ parent: 0, total: count });
    });
  }, 120_000);

  test("TimescaleDB: a catch-up after an outage longer than COMPRESS_AFTER writes into compressed chunks exactly once, the compression job running meanwhile", async () => {
    const count = 24_000;
    const db = await timescaleDatabase();
    // Ticks three days old, older than COMPRESS_AFTER (1 day), as the stream's history is after a
    // long outage. The first 8,000 are written and compressed before the sequencer serves the rest
    // (same seed and genesis: the same ticks).
    const genesisTime = nowMicros() - 3n * DAY_MICROS;
    const early = await parts.simulator(8000, { genesisTime });
    const before = parts.ingester(early, db);
    await waitForCheckpoint(db, STREAM, FIRST + 8000n, 60_000, before);
    await stopGracefully(before);
    const sim = await parts.simulator(count, { genesisTime, faults: { stall: stalls(11_000, 14_000, 17_000, 20_000) } });

    await query(db, async (sql) => {
      await runPolicy(sql, "policy_compression");
      expect(new Set(await chunks(sql))).toEqual(new Set(["tick_transactions compressed", "ticks compressed", "vdf_proofs compressed"]));

      const after = parts.ingester(sim, db);
      const whileWriting = await runPolicyUntil(
        sql,
        "policy_compression",
        FIRST + BigInt(count),
        async () => (await partlyCompressedChunks(sql)) > 0,
      );
      await stopGracefully(after);
      expect(whileWriting).toBeGreaterThan(0);
      console.log(
        `resumed at +8000 into compressed chunks; the compression job compressed new rows ${whileWriting} time(s) while the ingester wrote`,
      );
    });
    expect(await verify(db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
    await query(db, async (sql) => {
      await runPolicy(sql, "policy_compression");
      expect((await chunks(sql)).every((c) => c.endsWith(" compressed"))).toBe(true);
      expect(await partlyCompressedChunks(sql)).toBe(0);
      const [rows] = await sql`SELECT count(*)::int AS n FROM ticks`;
      expect(rows!.n).toBe(count);
    });
    expect(await verify(db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
  }, 180_000);

  test("TimescaleDB: the retention job drops chunks older than RETAIN_FOR while the ingester writes; the stream is stored exactly once", async () => {
    const count = 20_000;
    const db = await timescaleDatabase();
    // An earlier stream's ticks 8, 9 and 10 days old (RETAIN_FOR is 7 days), one chunk each per table.
    await query(db, async (sql) => {
      await sql`INSERT INTO ticks SELECT ${(FIRST - 10n).toString()}::numeric + i, now() - (8 + i) * interval '1 day', md5(i::text) || md5(i::text), md5(i::text), 1
                FROM generate_series(0, 2) i`;
      await sql`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", previous_output, previous_output, batch_hash, 1 FROM ticks`;
      await sql`INSERT INTO tick_transactions SELECT tick_number, "timestamp", 0, batch_hash, 'tx', '\\x00', '\\x01', '\\x02', 0, 1, 2 FROM ticks`;
      expect(await chunksOlderThan(sql, "7 days")).toBe(9);
    });
    const sim = await parts.simulator(count, { faults: { stall: stalls(8_000, 14_000) } });
    const proc = parts.ingester(sim, db);
    await waitForCheckpoint(db, STREAM, FIRST + 1000n, 60_000, proc);
    const whileWriting = await query(db, (sql) =>
      runPolicyUntil(sql, "policy_retention", FIRST + BigInt(count), async () => (await chunksOlderThan(sql, "7 days")) > 0),
    );
    await stopGracefully(proc);
    expect(whileWriting).toBe(1);

    expect(await verify(db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
    await query(db, async (sql) => {
      const [old] = await sql`SELECT count(*)::int AS n FROM ticks WHERE tick_number < ${FIRST.toString()}::numeric`;
      expect(old!.n).toBe(0);
      expect(await chunksOlderThan(sql, "7 days")).toBe(0);
    });
  }, 180_000);
});
