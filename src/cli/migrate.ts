// `tick-ingester migrate`: applies the schema embedded in the binary and says what it did.
import type { MigrateConfig } from "../config/ingester.ts";
import { errorMessage } from "../common/errors.ts";
import { redactUrl } from "../config/values.ts";
import { createLogger } from "../ops/logger.ts";
import { describeMigration, migrate, MigrationError } from "../schema/migrate.ts";
import { certificateHint, connect } from "../sink/database.ts";

const CONNECT_TIMEOUT_SECONDS = 5;

export async function migrateCommand(config: MigrateConfig): Promise<number> {
  const url = config.databaseUrl!; // checkMigrate requires it
  const logger = createLogger({ env: config.env, level: config.logLevel, serviceName: config.serviceName });
  let sql: ReturnType<typeof connect>;
  try {
    // No statement limit: a migration may rightly run long (a table with rows becoming a hypertable).
    sql = connect(url, "migrate", { statementTimeoutMs: 0, caFile: config.databaseCaFile });
  } catch (error) {
    return fail(errorMessage(error));
  }
  try {
    try {
      await answerWithin(sql`SELECT 1`, CONNECT_TIMEOUT_SECONDS);
    } catch (error) {
      await sql.end({ timeout: 0 });
      const hint = certificateHint(error as { code?: unknown });
      return fail(`cannot connect to the database at ${redactUrl(url)}: ${errorMessage(error)}${hint ? ` (${hint})` : ""}`);
    }
    const result = await migrate(sql, config);
    for (const name of result.applied) logger.info({ migration: name }, `applied migration ${name}`);
    logger.info(
      { applied: result.applied, timescale: result.timescale, compressAfter: config.compressAfter, retainFor: config.retainFor },
      describeMigration(result, config),
    );
    return 0;
  } catch (error) {
    if (error instanceof MigrationError) return fail(`${error.message} (database ${redactUrl(url)}; nothing was changed)`);
    return fail(`migrating ${redactUrl(url)} failed: ${errorMessage(error)}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// postgres.js times out the TCP connect only: a peer that accepts and never answers would hang.
async function answerWithin(query: Promise<unknown>, seconds: number) {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s`)), seconds * 1000);
  });
  try {
    await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function fail(message: string) {
  process.stderr.write(`tick-ingester migrate: ${message}\n`);
  return 1;
}
