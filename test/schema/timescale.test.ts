// The schema on a real TimescaleDB server (2.28.3 on PostgreSQL 15, test/support/timescale.ts):
// hypertables, compression, policies, and lookups and repeated ticks on a compressed chunk.
import { afterEach, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import { migrate, MigrationError } from "../../src/schema/migrate.ts";
import { migrations } from "../../src/schema/migrations.ts";
import { startTimescale, type TestTimescale } from "../support/timescale.ts";
import { compressedBatchesRead } from "./plans.ts";
import { openSql } from "../support/processes.ts";

const defaults = { compressAfter: "1 day", retainFor: "7 days" };
const TICK_TABLES = ["tick_transactions", "ticks", "vdf_proofs"];

let server: TestTimescale | undefined;
let sql: postgres.Sql | undefined;

async function connect() {
  server = await startTimescale();
  sql = openSql(server.url);
  return sql;
}

afterEach(async () => {
  await sql?.end();
  await server?.stop();
  sql = server = undefined;
});

async function policies(db: postgres.Sql) {
  const rows = await db`
    SELECT hypertable_name AS table, proc_name AS policy, job_id,
           coalesce(config ->> 'compress_after', config ->> 'drop_after') AS "interval"
    FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY 1, 2`;
  return rows.map((r) => ({ ...r }));
}

describe("TimescaleDB: migrate", () => {
  test("migrate makes the three tick tables hypertables with 1-day chunks, compression and policies", async () => {
    const db = await connect();
    expect(await migrate(db, defaults)).toEqual({ applied: ["001_tables", "002_views", "003_leases"], timescale: true });

    const dimensions = await db`
    SELECT hypertable_name AS table, column_name AS column, time_interval::text AS chunk
    FROM timescaledb_information.dimensions ORDER BY 1`;
    expect(dimensions.map((r) => ({ ...r }))).toEqual([
      { table: "tick_transactions", column: "tick_timestamp", chunk: "1 day" },
      { table: "ticks", column: "timestamp", chunk: "1 day" },
      { table: "vdf_proofs", column: "tick_timestamp", chunk: "1 day" },
    ]);

    // No segmentby: every candidate column is unique per row or nearly constant (defect 5).
    const settings = await db`
    SELECT hypertable::text AS table, segmentby, orderby FROM timescaledb_information.hypertable_compression_settings ORDER BY 1`;
    expect(settings.map((r) => ({ ...r }))).toEqual([
      { table: "tick_transactions", segmentby: "", orderby: "tick_number,sequence_number,tick_timestamp DESC" },
      { table: "ticks", segmentby: "", orderby: 'tick_number,"timestamp" DESC' },
      { table: "vdf_proofs", segmentby: "", orderby: "tick_number,tick_timestamp DESC" },
    ]);

    expect((await policies(db)).map(({ job_id, ...rest }) => rest)).toEqual(
      TICK_TABLES.flatMap((table) => [
        { table, policy: "policy_compression", interval: "1 day" },
        { table, policy: "policy_retention", interval: "7 days" },
      ]),
    );
  }, 30_000);

  test("a re-run with new intervals replaces the policies; an unchanged re-run keeps their jobs", async () => {
    const db = await connect();
    await migrate(db, defaults);
    expect(await migrate(db, { compressAfter: "2 days", retainFor: "30 days" })).toEqual({ applied: [], timescale: true });
    const changed = await policies(db);
    expect(changed.map((p) => p.interval)).toEqual(TICK_TABLES.flatMap(() => ["2 days", "30 days"]));

    await migrate(db, { compressAfter: "2 days", retainFor: "30 days" });
    expect(await policies(db)).toEqual(changed);
  }, 30_000);

  test("RETAIN_FOR no longer than COMPRESS_AFTER is refused, and nothing is applied", async () => {
    const db = await connect();
    const error = await migrate(db, { compressAfter: "7 days", retainFor: "7 days" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain("RETAIN_FOR (7 days) must be longer than COMPRESS_AFTER (7 days)");
    expect((await db`SELECT to_regclass('ticks') AS t`)[0]!.t).toBeNull();
  }, 30_000);

  test("tables made on plain PostgreSQL become hypertables with their rows once TimescaleDB is enabled", async () => {
    const db = await connect();
    // What migrate makes on a server without TimescaleDB: the numbered migrations only.
    await db.begin(async (tx) => {
      for (const migration of migrations) await tx.unsafe(migration.sql);
    });
    await db`INSERT INTO ticks SELECT 7 + d, now() - d * interval '1 day', 'b' || d, 'p', 1 FROM generate_series(0, 2) d`;
    await db`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", 'i', 'o', 'p', 1 FROM ticks`;
    await db`INSERT INTO tick_transactions SELECT tick_number, "timestamp", 0, 'h' || tick_number, 'tx', '\\x00', '\\x01', '\\x02', 0, 1, 2 FROM ticks`;
    expect(await migrate(db, defaults)).toMatchObject({ timescale: true });
    const hypertables = await db`SELECT hypertable_name, num_chunks FROM timescaledb_information.hypertables ORDER BY 1`;
    expect(hypertables.map((r) => `${r.hypertable_name} ${r.num_chunks}`)).toEqual(TICK_TABLES.map((t) => `${t} 3`));
    for (const table of TICK_TABLES) {
      const [row] = await db.unsafe(`SELECT count(*)::int AS n, (SELECT count(*) FROM ONLY ${table})::int AS in_parent FROM ${table}`);
      expect({ table, n: row!.n, inParent: row!.in_parent }).toEqual({ table, n: 3, inParent: 0 });
    }
    const [tick] = await db`SELECT tick_number::text, vdf_output FROM get_tick_by_number(8)`;
    expect({ ...tick }).toEqual({ tick_number: "8", vdf_output: "o" });
  }, 30_000);
});

describe("TimescaleDB: compressed chunks", () => {
  const first = 51548050841n; // a production tick number
  const count = 5000;

  /** 5,000 ticks two days old, each with 2 transactions, in chunks then compressed: 5 batches of
   * 1,000 ticks and 10 of transactions. */
  async function compressedTicks(db: postgres.Sql) {
    await migrate(db, defaults);
    const start = new Date(Date.now() - 2 * 86_400_000);
    await db`INSERT INTO ticks SELECT ${first.toString()}::numeric + i, ${start}::timestamptz + i * interval '1 ms',
               md5(i::text) || md5(i::text), md5((i - 1)::text), 2
             FROM generate_series(0, ${count - 1}) i`;
    await db`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", previous_output, md5(batch_hash), repeat(batch_hash, 4), 1000000 FROM ticks`;
    await db`INSERT INTO tick_transactions SELECT tick_number, "timestamp", s, md5(batch_hash || s), 'tx-' || s, '\\x00ff',
               '\\x01', '\\x02', s, 1768028416704159, 1768028416704160
             FROM ticks, generate_series(0, 1) s`;
    for (const table of TICK_TABLES) {
      const compressed =
        await db`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks(${table}::regclass, older_than => interval '1 day') c`;
      expect({ table, chunks: compressed.length }).toEqual({ table, chunks: 1 });
    }
    await db`ANALYZE`;
  }

  test("a chunk a day old compresses, smaller than before", async () => {
    const db = await connect();
    await compressedTicks(db);
    const stats = await db`SELECT before_compression_total_bytes AS before, after_compression_total_bytes AS after
                           FROM hypertable_compression_stats('ticks')`;
    expect(Number(stats[0]!.after)).toBeLessThan(Number(stats[0]!.before));
    const chunks = await db`SELECT hypertable_name, is_compressed FROM timescaledb_information.chunks ORDER BY 1`;
    expect(chunks.map((c) => `${c.hypertable_name} ${c.is_compressed}`)).toEqual(TICK_TABLES.map((t) => `${t} true`));
  }, 30_000);

  test("get_tick_by_number and v_ticks_complete find a tick in a compressed chunk reading one batch of each table", async () => {
    const db = await connect();
    await compressedTicks(db);
    const wanted = (first + 2500n).toString();
    const [tick] = await db`SELECT tick_number::text, vdf_iterations::text, transaction_count FROM get_tick_by_number(${wanted})`;
    expect({ ...tick }).toEqual({ tick_number: wanted, vdf_iterations: "1000000", transaction_count: 2 });

    // The compressed batches' min/max tick_number lead to the one batch holding the tick.
    for (const query of [`SELECT * FROM get_tick_by_number(${wanted})`, `SELECT * FROM v_ticks_complete WHERE tick_number = ${wanted}`]) {
      expect({ query, reads: await compressedBatchesRead(server!.url, query) }).toEqual({ query, reads: { ticks: 1, vdf_proofs: 1 } });
    }
  }, 30_000);

  test("get_transaction_by_hash and v_transaction_details find a transaction in a compressed chunk reading one batch of each table", async () => {
    const db = await connect();
    await compressedTicks(db);
    const wanted = (first + 3210n).toString();
    const hash = (await db`SELECT tx_hash FROM tick_transactions WHERE tick_number = ${wanted} AND sequence_number = 1`)[0]!.tx_hash;
    const [tx] =
      await db`SELECT tick_number::text, sequence_number::text, tick_batch_hash, tick_transaction_count FROM get_transaction_by_hash(${hash})`;
    expect({ ...tx }).toMatchObject({ tick_number: wanted, sequence_number: "1", tick_transaction_count: 2 });
    expect(tx!.tick_batch_hash).toHaveLength(64);

    // The bloom filter TimescaleDB keeps for the indexed tx_hash picks the batch.
    for (const query of [
      `SELECT * FROM get_transaction_by_hash('${hash}')`,
      `SELECT * FROM v_transaction_details WHERE tx_hash = '${hash}'`,
    ]) {
      expect({ query, reads: await compressedBatchesRead(server!.url, query) }).toEqual({
        query,
        reads: { tick_transactions: 1, ticks: 1 },
      });
    }
  }, 30_000);

  test("v_recent_ticks lists the newest 1,000 ticks, newest first, from compressed chunks", async () => {
    const db = await connect();
    await compressedTicks(db);
    const recent = await db`SELECT tick_number::text, vdf_iterations::text FROM v_recent_ticks`;
    expect(recent.length).toBe(1000);
    expect(recent[0]!.tick_number).toBe((first + BigInt(count) - 1n).toString());
    expect(recent[999]!.tick_number).toBe((first + BigInt(count) - 1000n).toString());
    expect(recent.every((r) => r.vdf_iterations === "1000000")).toBe(true);
  }, 30_000);

  test("repeated ticks written into a compressed chunk are refused by its primary key, stored once", async () => {
    const db = await connect();
    await compressedTicks(db);
    const wanted = (first + 2500n).toString();
    await db`INSERT INTO ticks SELECT * FROM ticks WHERE tick_number = ${wanted} ON CONFLICT DO NOTHING`;
    await db`INSERT INTO tick_transactions SELECT * FROM tick_transactions WHERE tick_number = ${wanted} ON CONFLICT DO NOTHING`;
    const duplicate = await db`INSERT INTO ticks SELECT * FROM ticks WHERE tick_number = ${wanted}`.catch((e: Error) => e);
    expect(String(duplicate)).toContain("duplicate key value violates unique constraint");
    expect((await db`SELECT count(*)::int AS n FROM ticks`)[0]!.n).toBe(count);
    expect((await db`SELECT count(*)::int AS n FROM tick_transactions WHERE tick_number = ${wanted}`)[0]!.n).toBe(2);
  }, 30_000);
});
