// The schema on TimescaleDB (the PGlite build with the extension): hypertables, compression,
// policies, and lookups and repeated ticks on a compressed chunk.
import { afterEach, expect, test } from "bun:test";
import postgres from "postgres";
import { migrate, MigrationError } from "../../src/schema/migrate.ts";
import { migrations } from "../../src/schema/migrations.ts";
import { startTimescale, type TestTimescale } from "../support/timescale.ts";

const defaults = { compressAfter: "1 day", retainFor: "7 days" };
const TICK_TABLES = ["tick_transactions", "ticks", "vdf_proofs"];

let server: TestTimescale | undefined;
let sql: postgres.Sql | undefined;

async function connect() {
  server = await startTimescale();
  sql = postgres(server.url, { max: 1, onnotice: () => {} });
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
});

test("a re-run with new intervals replaces the policies; an unchanged re-run keeps their jobs", async () => {
  const db = await connect();
  await migrate(db, defaults);
  expect(await migrate(db, { compressAfter: "2 days", retainFor: "30 days" })).toEqual({ applied: [], timescale: true });
  const changed = await policies(db);
  expect(changed.map((p) => p.interval)).toEqual(TICK_TABLES.flatMap(() => ["2 days", "30 days"]));

  await migrate(db, { compressAfter: "2 days", retainFor: "30 days" });
  expect(await policies(db)).toEqual(changed);
});

test("RETAIN_FOR no longer than COMPRESS_AFTER is refused, and nothing is applied", async () => {
  const db = await connect();
  const error = await migrate(db, { compressAfter: "7 days", retainFor: "7 days" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MigrationError);
  expect((error as Error).message).toContain("RETAIN_FOR (7 days) must be longer than COMPRESS_AFTER (7 days)");
  expect((await db`SELECT to_regclass('ticks') AS t`)[0]!.t).toBeNull();
});

test("tables made before TimescaleDB was there become hypertables, their rows kept", async () => {
  const db = await connect();
  for (const migration of migrations) await db.unsafe(migration.sql);
  await db`INSERT INTO ticks VALUES (7, now(), 'b', 'p', 0)`;
  await migrate(db, defaults);
  const hypertables = await db`SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1`;
  expect(hypertables.map((r) => r.hypertable_name)).toEqual(TICK_TABLES);
  expect((await db`SELECT tick_number::text FROM ticks`).map((r) => r.tick_number)).toEqual(["7"]);
});

test("a chunk a day old compresses; lookups and repeated ticks still work on it, by batch", async () => {
  const db = await connect();
  await migrate(db, defaults);
  const first = 51548050841n; // a production tick number
  const count = 5000;
  const start = new Date(Date.now() - 2 * 86_400_000);
  await db`INSERT INTO ticks SELECT ${first.toString()}::numeric + i, ${start}::timestamptz + i * interval '1 ms',
             md5(i::text) || md5(i::text), md5((i - 1)::text), CASE WHEN i % 500 = 0 THEN 2 ELSE 0 END
           FROM generate_series(0, ${count - 1}) i`;
  await db`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", previous_output, md5(batch_hash), repeat(batch_hash, 4), 1000000 FROM ticks`;
  await db`INSERT INTO tick_transactions SELECT tick_number, "timestamp", s, md5(batch_hash || s), 'tx-' || s, '\\x00ff',
             '\\x01', '\\x02', s, 1768028416704159, 1768028416704160
           FROM ticks, generate_series(0, 1) s WHERE transaction_count = 2`;

  for (const table of TICK_TABLES) {
    const compressed = await db`SELECT compress_chunk(c) FROM show_chunks(${table}::regclass, older_than => interval '1 day') c`;
    expect(compressed.length).toBe(1);
  }
  const stats = await db`SELECT before_compression_total_bytes AS before, after_compression_total_bytes AS after
                         FROM hypertable_compression_stats('ticks')`;
  expect(Number(stats[0]!.after)).toBeLessThan(Number(stats[0]!.before));

  const wanted = (first + 2500n).toString();
  const [tick] = await db`SELECT tick_number::text, vdf_iterations::text, transaction_count FROM get_tick_by_number(${wanted})`;
  expect({ ...tick }).toEqual({ tick_number: wanted, vdf_iterations: "1000000", transaction_count: 2 });

  // One tick costs one compressed batch (its min/max tick_number), not the whole chunk.
  const byNumber = await explain(db, `SELECT * FROM v_ticks_complete WHERE tick_number = ${wanted}`);
  expect(byNumber).toContain("_ts_meta_min_1 <= '51548053341'::numeric");
  const hash = (await db`SELECT tx_hash FROM tick_transactions WHERE tick_number = ${wanted} AND sequence_number = 1`)[0]!.tx_hash;
  const [tx] = await db`SELECT tick_number::text, sequence_number::text, "timestamp", tick_batch_hash FROM get_transaction_by_hash(${hash})`;
  expect(tx!.tick_number).toBe(wanted);
  expect(tx!.sequence_number).toBe("1");
  expect(tx!.tick_batch_hash).toHaveLength(64);
  expect(await explain(db, `SELECT * FROM get_transaction_by_hash('${hash}')`)).toContain("bloom1_contains(_ts_meta_v2_bloom1_tx_hash");

  await db`INSERT INTO ticks SELECT * FROM ticks WHERE tick_number = ${wanted} ON CONFLICT DO NOTHING`;
  await db`INSERT INTO tick_transactions SELECT * FROM tick_transactions WHERE tick_number = ${wanted} ON CONFLICT DO NOTHING`;
  expect((await db`SELECT count(*)::int AS n FROM ticks`)[0]!.n).toBe(count);
  expect((await db`SELECT count(*)::int AS n FROM tick_transactions WHERE tick_number = ${wanted}`)[0]!.n).toBe(2);
});

async function explain(db: postgres.Sql, query: string) {
  const rows = await db.unsafe(`EXPLAIN ${query}`);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}
