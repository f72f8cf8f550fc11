// What every measurement runs on: the built binary and one throwaway server, plain PostgreSQL or
// TimescaleDB, with commit timestamps on so that each row's commit time can be read back
// (pg_xact_commit_timestamp).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { migratedDatabase } from "../../test/support/database.ts";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.ts";
import { startTimescaleServer } from "../../test/support/timescale-server.ts";
import { openSql } from "../../test/support/processes.ts";

export interface Stack {
  binary: string;
  pg: TestPostgres;
  postmasterPid: number;
  /** The server's settings that matter to the figures, for the report. */
  settings: Record<string, string>;
}

const REPORTED_SETTINGS = ["server_version", "fsync", "synchronous_commit", "shared_buffers", "max_wal_size", "wal_level"];

export async function startStack(binary: string, options: { fsync: boolean; timescale?: boolean }): Promise<Stack> {
  const flags = ["-c", "track_commit_timestamp=on", "-c", `fsync=${options.fsync ? "on" : "off"}`];
  const pg = options.timescale ? await startTimescaleServer({ flags }) : await startPostgres({ flags });
  const postmasterPid = Number(readFileSync(join(pg.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const sql = openSql(pg.url);
  const settings: Record<string, string> = {};
  try {
    for (const name of REPORTED_SETTINGS) {
      const [row] = await sql`SELECT current_setting(${name}) AS value`.catch(() => [{ value: "?" }]);
      settings[name] = String(row?.value);
    }
    const [database] = await sql`SELECT datcollate FROM pg_database WHERE datname = current_database()`;
    settings.collation = String(database?.datcollate);
  } finally {
    await sql.end();
  }
  return { binary, pg, postmasterPid, settings };
}

/** A new database with the schema applied; drop() removes it and its data. */
export async function scratchDatabase(stack: Stack): Promise<{ url: string; drop(): Promise<void> }> {
  const url = await migratedDatabase(stack.pg.url);
  const name = new URL(url).pathname.slice(1);
  return {
    url,
    async drop() {
      const sql = openSql(stack.pg.url);
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end();
      }
    },
  };
}
