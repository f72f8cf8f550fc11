// A real PostgreSQL server for tests (src/dev/embedded-postgres.ts), in a throwaway folder.
// Tests can stop, kill and restart it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresServer } from "../../src/dev/embedded-postgres.ts";

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
  const dataDir = mkdtempSync(join(tmpdir(), "tick-ingester-pg-"));
  let server: EmbeddedPostgresServer;
  try {
    server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      password: PASSWORD,
      flags: ["-c", "max_connections=300", "-c", "fsync=off", ...(options.flags ?? [])],
    });
  } catch (error) {
    throw new Error(`could not start the test PostgreSQL server from the embedded-postgres package (run bun install?): ${(error as Error).message}`);
  }
  return {
    ...server,
    async destroy() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A new, empty database on the test server; returns its URL. */
export async function freshDatabase(adminUrl = testServerUrl()): Promise<string> {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
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
