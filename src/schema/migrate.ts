// Applies the schema: the numbered migrations not applied yet, each recorded in
// tick_ingester_migrations, then the repeatable TimescaleDB step with the policy intervals.
// All of it in one transaction under an advisory lock, so two concurrent runs apply everything
// once and a failure leaves the database as it was.
import { createHash } from "node:crypto";
import type { Sql, TransactionSql } from "postgres";
import { migrations, repeatable, type Migration } from "./migrations.ts";

export interface PolicyIntervals {
  /** PostgreSQL interval text: chunks older than this are compressed (TimescaleDB only). */
  compressAfter: string;
  /** PostgreSQL interval text: chunks older than this are dropped (TimescaleDB only). */
  retainFor: string;
}

export interface MigrateResult {
  /** Names of the numbered migrations this run applied, in order; empty when none was pending. */
  applied: string[];
  /** Whether the tick tables are TimescaleDB hypertables (false: plain PostgreSQL). */
  timescale: boolean;
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    reason: string,
  ) {
    super(`migration ${migration} failed: ${reason}`);
    this.name = "MigrationError";
  }
}

// Any fixed number will do; pg_advisory_xact_lock releases it at commit or rollback, also when
// the process holding it dies.
const MIGRATION_LOCK_KEY = "7281450311979316443";

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS tick_ingester_migrations (
  name       text        PRIMARY KEY,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export async function migrate<T extends Record<string, unknown>>(sql: Sql<T>, intervals: PolicyIntervals): Promise<MigrateResult> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`;
    // R_timescale.sql reads the intervals from these settings (psql users set them with PGOPTIONS).
    await tx`SELECT set_config('tick_ingester.compress_after', ${intervals.compressAfter}, true),
                    set_config('tick_ingester.retain_for', ${intervals.retainFor}, true)`;
    await tx.unsafe(CREATE_MIGRATIONS_TABLE);
    const recorded = new Map<string, string>();
    for (const row of await tx<{ name: string; checksum: string }[]>`SELECT name, checksum FROM tick_ingester_migrations`) {
      recorded.set(row.name, row.checksum);
    }

    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = sha256(migration.sql);
      const previous = recorded.get(migration.name);
      if (previous === checksum) continue;
      if (previous !== undefined) {
        throw new MigrationError(
          migration.name,
          `schema/${migration.name}.sql has changed since it was applied to this database; put the change in a new migration`,
        );
      }
      await apply(tx, migration);
      await tx`INSERT INTO tick_ingester_migrations (name, checksum) VALUES (${migration.name}, ${checksum})`;
      applied.push(migration.name);
    }
    await apply(tx, repeatable);

    const [row] = await tx<{ timescale: boolean }[]>`SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') AS timescale`;
    return { applied, timescale: row!.timescale };
  });
}

/** One line for the log: what was applied, and on which kind of database. */
export function describeMigration(result: MigrateResult, intervals: PolicyIntervals): string {
  const applied = result.applied.length === 0 ? "schema already up to date" : `applied ${result.applied.join(", ")}`;
  return result.timescale
    ? `${applied}; TimescaleDB: ticks, vdf_proofs and tick_transactions are hypertables, ` +
        `compressed after ${intervals.compressAfter}, dropped after ${intervals.retainFor}`
    : `${applied}; plain PostgreSQL: TimescaleDB is not available on this server, so no hypertables, compression or retention`;
}

async function apply<T extends Record<string, unknown>>(tx: TransactionSql<T>, migration: Migration) {
  try {
    await tx.unsafe(migration.sql);
  } catch (error) {
    throw new MigrationError(migration.name, describePostgresError(error));
  }
}

function describePostgresError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { detail, hint } = error as { detail?: string; hint?: string };
  return [error.message, detail && `(${detail})`, hint && `hint: ${hint}`].filter(Boolean).join(" ");
}

function sha256(text: string) {
  return createHash("sha256").update(text).digest("hex");
}
