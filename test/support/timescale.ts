// TimescaleDB for tests: a database of its own on a real TimescaleDB server (timescale-server.ts),
// which starts with the first test that asks for one and serves the rest of the run. The
// extension is available and preloaded but not yet created in the database: migrate does that.
import postgres from "postgres";
import { freshDatabase, type TestPostgres } from "./postgres.ts";
import { startTimescaleServer } from "./timescale-server.ts";

export interface TestTimescale {
  url: string;
  /** Drops the database; the server stays for the next test. */
  stop(): Promise<void>;
}

let shared: Promise<TestPostgres> | undefined;

/** The run's TimescaleDB server, started on first use and stopped when the process exits. */
export function sharedTimescaleServer(): Promise<TestPostgres> {
  shared ??= startTimescaleServer();
  return shared;
}

export async function startTimescale(): Promise<TestTimescale> {
  const server = await sharedTimescaleServer();
  const url = await freshDatabase(server.url);
  const name = new URL(url).pathname.slice(1);
  return {
    url,
    async stop() {
      const admin = postgres(server.url, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
