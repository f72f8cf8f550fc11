// The demo's database: created and migrated like a user would with `tick-ingester migrate`, and
// read for the summary, the resume point and the exactly-once check.
import type postgres from "postgres";
import { connect } from "../sink/database.ts";
import { describeMigration, migrate } from "../schema/migrate.ts";

export type Sql = postgres.Sql;

const POLICIES = { compressAfter: "1 day", retainFor: "7 days" };

export const connectDemo = (url: string) => connect(url, "demo");

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates the database (dropping it first with `fresh`); returns what migrating it did. */
export async function prepareDatabase(adminUrl: string, name: string, fresh: boolean): Promise<string> {
  const admin = connectDemo(adminUrl);
  try {
    if (fresh) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const sql = connectDemo(databaseUrl(adminUrl, name));
  try {
    return describeMigration(await migrate(sql, POLICIES), POLICIES);
  } finally {
    await sql.end();
  }
}

/** The stream's checkpoint: every tick below it is committed. */
export async function checkpoint(sql: Sql, stream: string): Promise<bigint | undefined> {
  const [row] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`;
  return row ? BigInt(row.next_tick) : undefined;
}

export interface RowCounts {
  ticks: bigint;
  vdfProofs: bigint;
  transactions: bigint;
}

export async function rowCounts(sql: Sql): Promise<RowCounts> {
  const [row] = await sql`
    SELECT (SELECT count(*) FROM ticks)::text AS ticks,
           (SELECT count(*) FROM vdf_proofs)::text AS vdf_proofs,
           (SELECT count(*) FROM tick_transactions)::text AS transactions`;
  return { ticks: BigInt(row!.ticks), vdfProofs: BigInt(row!.vdf_proofs), transactions: BigInt(row!.transactions) };
}

/** Every tick from the stream's first to below its checkpoint, accounted for. */
export interface Accounting {
  first: bigint;
  /** Exclusive: the checkpoint. */
  end: bigint;
  stored: bigint;
  storedTwice: bigint;
  rejected: bigint;
  inGaps: bigint;
  missing: bigint;
  chainBreaks: bigint;
}

export async function accountFor(sql: Sql, stream: string, end: bigint): Promise<Accounting | undefined> {
  const below = end.toString();
  const [row] = await sql`
    SELECT (SELECT min(tick_number)::text FROM ticks) AS first_stored,
           (SELECT min(first_tick)::text FROM tick_gaps WHERE stream = ${stream}) AS first_gap,
           (SELECT min(tick_number)::text FROM tick_rejects WHERE stream = ${stream}) AS first_reject,
           (SELECT count(*)::text FROM ticks WHERE tick_number < ${below}::numeric) AS stored,
           (SELECT count(DISTINCT tick_number)::text FROM ticks WHERE tick_number < ${below}::numeric) AS distinct_stored,
           (SELECT count(DISTINCT tick_number)::text FROM tick_rejects
             WHERE stream = ${stream} AND tick_number < ${below}::numeric) AS rejected,
           (SELECT coalesce(sum(least(last_tick, ${below}::numeric - 1) - first_tick + 1), 0)::text FROM tick_gaps
             WHERE stream = ${stream} AND first_tick < ${below}::numeric) AS in_gaps,
           (SELECT count(*)::text FROM chain_breaks WHERE stream = ${stream}) AS chain_breaks`;
  const firsts = [row!.first_stored, row!.first_gap, row!.first_reject].filter((v): v is string => v !== null).map(BigInt);
  if (firsts.length === 0) return undefined;
  const first = firsts.reduce((a, b) => (a < b ? a : b));
  const stored = BigInt(row!.stored);
  const distinct = BigInt(row!.distinct_stored);
  const rejected = BigInt(row!.rejected);
  const inGaps = BigInt(row!.in_gaps);
  return {
    first,
    end,
    stored: distinct,
    storedTwice: stored - distinct,
    rejected,
    inGaps,
    missing: end - first - distinct - rejected - inGaps,
    chainBreaks: BigInt(row!.chain_breaks),
  };
}

export type SampleTick = Record<string, unknown>;

/** A tick read back through the schema's lookup function. */
export async function sampleTick(sql: Sql, tickNumber: bigint): Promise<SampleTick | undefined> {
  const [row] = await sql`
    SELECT tick_number::text, "timestamp"::text, batch_hash, vdf_output, vdf_iterations::text, transaction_count, previous_output
    FROM get_tick_by_number(${tickNumber.toString()}::numeric)`;
  return row;
}
