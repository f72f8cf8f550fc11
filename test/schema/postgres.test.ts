// The schema on a real PostgreSQL server without TimescaleDB: applied twice, its tables, keys,
// exact uint64 storage, repeated ticks, and the views and lookup functions users query.
import { afterAll, expect, test } from "bun:test";
import type postgres from "postgres";
import { migrate, MigrationError } from "../../src/schema/migrate.ts";
import { migratedDatabase } from "../support/database.ts";
import { freshDatabase } from "../support/postgres.ts";
import { describeSchema } from "./describe.ts";
import { openSql } from "../support/processes.ts";

const defaults = { compressAfter: "1 day", retainFor: "7 days" };
const UINT64_MAX = "18446744073709551615";
const connections: postgres.Sql[] = [];

async function migratedConnection() {
  const db = openSql(await migratedDatabase());
  connections.push(db);
  return db;
}

afterAll(() => Promise.all(connections.map((db) => db.end())));

test("migrate applies every migration once: the second run applies nothing and changes nothing", async () => {
  const db = openSql(await freshDatabase());
  connections.push(db);
  expect(await migrate(db, defaults)).toEqual({ applied: ["001_tables", "002_views", "003_leases"], timescale: false });
  const before = await describeSchema(db);
  expect(await migrate(db, defaults)).toEqual({ applied: [], timescale: false });
  expect(await describeSchema(db)).toEqual(before);
  const recorded = await db`SELECT name FROM tick_ingester_migrations ORDER BY name`;
  expect(recorded.map((r) => r.name)).toEqual(["001_tables", "002_views", "003_leases"]);
});

test("two migrations started together on two connections: one applies everything, the other waits and applies nothing", async () => {
  const url = await freshDatabase();
  const [a, b] = [openSql(url), openSql(url)];
  connections.push(a, b);
  const results = await Promise.all([migrate(a, defaults), migrate(b, defaults)]);
  expect(results.map((r) => r.applied).sort()).toEqual([[], ["001_tables", "002_views", "003_leases"]]);
});

test("the tables have the designed keys, indexes and no foreign keys", async () => {
  const schema = await describeSchema(await migratedConnection());
  expect(schema.primaryKeys).toEqual({
    chain_breaks: ["stream", "tick_number"],
    ingest_checkpoints: ["stream"],
    ingest_leases: ["stream"],
    ingest_ranges: ["stream", "first_tick"],
    tick_gaps: ["stream", "first_tick"],
    tick_ingester_migrations: ["name"],
    tick_rejects: ["id"],
    tick_transactions: ["tick_number", "sequence_number", "tick_timestamp"],
    ticks: ["tick_number", "timestamp"],
    vdf_proofs: ["tick_number", "tick_timestamp"],
  });
  expect(schema.foreignKeys).toEqual([]);
  expect(schema.indexes).toEqual(
    expect.arrayContaining([
      "tick_rejects_tick_number_idx: CREATE INDEX tick_rejects_tick_number_idx ON public.tick_rejects USING btree (tick_number)",
      "tick_transactions_tx_hash_idx: CREATE INDEX tick_transactions_tx_hash_idx ON public.tick_transactions USING btree (tx_hash)",
      'ticks_timestamp_idx: CREATE INDEX ticks_timestamp_idx ON public.ticks USING btree ("timestamp" DESC)',
    ]),
  );
  expect(schema.views).toEqual(["v_recent_ticks", "v_ticks_complete", "v_transaction_details"]);
  expect(schema.functions).toEqual(
    expect.arrayContaining(["get_tick_by_number(p_tick_number uint64)", "get_transaction_by_hash(p_tx_hash text)"]),
  );
  // Every uint64 column holds 0..2^64-1 exactly: the domain, or numeric(20,0) with its check.
  const uint64Columns = schema.columns.filter((c) => !c.view && (c.type === "uint64" || c.type === "numeric(20,0)"));
  expect(uint64Columns.map((c) => `${c.table}.${c.column}`).sort()).toEqual([
    "chain_breaks.tick_number",
    "ingest_checkpoints.next_tick",
    "ingest_ranges.first_tick",
    "ingest_ranges.last_tick",
    "tick_gaps.first_tick",
    "tick_gaps.last_tick",
    "tick_rejects.tick_number",
    "tick_transactions.client_timestamp",
    "tick_transactions.ingestion_timestamp",
    "tick_transactions.nonce",
    "tick_transactions.sequence_number",
    "tick_transactions.tick_number",
    "ticks.tick_number",
    "vdf_proofs.iterations",
    "vdf_proofs.tick_number",
  ]);
});

test("uint64 values up to 2^64-1 are stored exactly; values outside 0..2^64-1 are refused", async () => {
  const db = await migratedConnection();
  await db`INSERT INTO ticks VALUES (${UINT64_MAX}, now(), 'b', 'p', 1)`;
  await db`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", 'i', 'o', 'p', ${UINT64_MAX} FROM ticks`;
  await db`INSERT INTO tick_transactions SELECT tick_number, "timestamp", ${UINT64_MAX}, 'h', 'id', '', '', '',
             ${UINT64_MAX}, ${UINT64_MAX}, ${"9223372036854775808"} FROM ticks`;
  const [tx] = await db`SELECT tick_number::text, sequence_number::text, nonce::text, client_timestamp::text,
                               ingestion_timestamp::text FROM tick_transactions`;
  expect({ ...tx }).toEqual({
    tick_number: UINT64_MAX,
    sequence_number: UINT64_MAX,
    nonce: UINT64_MAX,
    client_timestamp: UINT64_MAX,
    ingestion_timestamp: "9223372036854775808",
  });
  const [tick] = await db`SELECT tick_number::text, vdf_iterations::text FROM get_tick_by_number(${UINT64_MAX})`;
  expect({ ...tick }).toEqual({ tick_number: UINT64_MAX, vdf_iterations: UINT64_MAX });

  for (const bad of ["18446744073709551616", "-1"]) {
    await expect(db`INSERT INTO ticks VALUES (${bad}, now(), 'b', 'p', 0)`).rejects.toThrow("violates check constraint");
    await expect(db`INSERT INTO ingest_checkpoints VALUES ('s', ${bad})`).rejects.toThrow("violates check constraint");
  }
});

test("a repeated tick is stored once with ON CONFLICT DO NOTHING", async () => {
  const db = await migratedConnection();
  for (let i = 0; i < 2; i++) {
    await db`INSERT INTO ticks VALUES (5, '2026-01-10T07:00:16.704159Z', 'b', 'p', 1) ON CONFLICT DO NOTHING`;
    await db`INSERT INTO vdf_proofs VALUES (5, '2026-01-10T07:00:16.704159Z', 'i', 'o', 'p', 10) ON CONFLICT DO NOTHING`;
    await db`INSERT INTO tick_transactions VALUES (5, '2026-01-10T07:00:16.704159Z', 0, 'h', 'id', '', '', '', 1, 2, 3)
             ON CONFLICT DO NOTHING`;
  }
  const counts = await db`SELECT (SELECT count(*) FROM ticks)::int AS ticks, (SELECT count(*) FROM vdf_proofs)::int AS proofs,
                                 (SELECT count(*) FROM tick_transactions)::int AS txs`;
  expect({ ...counts[0] }).toEqual({ ticks: 1, proofs: 1, txs: 1 });
});

test("the views and lookup functions return a tick with its proof and its transactions", async () => {
  const db = await migratedConnection();
  const at = "2026-01-10T07:00:16.704159Z";
  await db`INSERT INTO ticks VALUES (51548050841, ${at}, ${"b".repeat(64)}, ${"p".repeat(64)}, 2)`;
  await db`INSERT INTO vdf_proofs VALUES (51548050841, ${at}, 'in', 'out', 'proof', 1000000)`;
  await db`INSERT INTO tick_transactions VALUES
             (51548050841, ${at}, 0, 'hash-0', 'id-0', '\\x0102', '\\x03', '\\x04', 7, 1768028416704159, 1768028416704200),
             (51548050841, ${at}, 1, 'hash-1', 'id-1', 'text', '\\x03', '\\x04', 8, ${UINT64_MAX}, 1768028416704201)`;

  const [tick] = await db`SELECT tick_number::text, "timestamp", vdf_input, vdf_output, vdf_proof, vdf_iterations::text,
                                 transaction_count, previous_output FROM get_tick_by_number(51548050841)`;
  expect({ ...tick }).toEqual({
    tick_number: "51548050841",
    timestamp: new Date(at),
    vdf_input: "in",
    vdf_output: "out",
    vdf_proof: "proof",
    vdf_iterations: "1000000",
    transaction_count: 2,
    previous_output: "p".repeat(64),
  });
  expect(await db`SELECT * FROM get_tick_by_number(51548050842)`).toHaveLength(0);

  const [tx] = await db`SELECT tick_number::text, sequence_number::text, tx_id, payload, nonce::text,
                               "timestamp"::text AS client_time, tick_batch_hash FROM get_transaction_by_hash('hash-0')`;
  expect({ ...tx }).toEqual({
    tick_number: "51548050841",
    sequence_number: "0",
    tx_id: "id-0",
    payload: Buffer.from([1, 2]),
    nonce: "7",
    client_time: "2026-01-10 07:00:16.704159+00",
    tick_batch_hash: "b".repeat(64),
  });
  // A client timestamp beyond any date reads as NULL instead of failing the query.
  expect((await db`SELECT "timestamp" FROM v_transaction_details WHERE tx_hash = 'hash-1'`)[0]!.timestamp).toBeNull();

  const recent = await db`SELECT tick_number::text FROM v_recent_ticks`;
  expect(recent.map((r) => r.tick_number)).toEqual(["51548050841"]);
});

test("lookups by tick number, by tx hash and of recent ticks use indexes, not a scan of a table", async () => {
  const db = await migratedConnection();
  await db`INSERT INTO ticks SELECT 51548050841 + i, '2026-01-10T00:00:00Z'::timestamptz + i * interval '1 ms',
             md5(i::text), md5((i - 1)::text), CASE WHEN i % 5 = 0 THEN 2 ELSE 0 END FROM generate_series(0, 19999) i`;
  await db`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", 'i', md5(batch_hash), 'p', 1000000 FROM ticks`;
  await db`INSERT INTO tick_transactions SELECT tick_number, "timestamp", s, md5(batch_hash || s), 'id', '', '', '', s, 1, 2
           FROM ticks, generate_series(0, 1) s WHERE transaction_count = 2`;
  await db`ANALYZE`;
  const hash = (await db`SELECT tx_hash FROM tick_transactions LIMIT 1`)[0]!.tx_hash;
  const lookups = [
    "SELECT * FROM v_ticks_complete v WHERE v.tick_number = 51548060000", // get_tick_by_number's query
    `SELECT * FROM get_transaction_by_hash('${hash}')`,
    "SELECT * FROM v_recent_ticks",
  ];
  for (const query of lookups) {
    const plan = (await db.unsafe(`EXPLAIN ${query}`)).map((r) => r["QUERY PLAN"]).join("\n");
    expect({ query, plan }).toEqual({ query, plan: expect.not.stringContaining("Seq Scan") });
    expect({ query, plan }).toEqual({ query, plan: expect.stringContaining("Index Scan") });
  }
});

test("a migration edited after it was applied is refused, naming it", async () => {
  const db = await migratedConnection();
  await db`UPDATE tick_ingester_migrations SET checksum = 'edited' WHERE name = '002_views'`;
  const error = await migrate(db, defaults).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MigrationError);
  expect((error as Error).message).toContain("schema/002_views.sql has changed since it was applied");
});
