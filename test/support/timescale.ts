// TimescaleDB for tests: a database of its own on a real TimescaleDB server (timescale-server.ts).
// The server starts with the first database asked for and serves the ones after it; once none is
// left for a moment it stops, so that a script using it can exit. The extension is available and
// preloaded but not yet created in the database: migrate does that.
import postgres from "postgres";
import { freshDatabase, type TestPostgres } from "./postgres.ts";
import { startTimescaleServer } from "./timescale-server.ts";

export interface TestTimescale {
  url: string;
  /** Drops the database. */
  stop(): Promise<void>;
}

/** How long the server waits for the next database before it stops (tests ask one after another). */
const IDLE_MS = 2_000;

let server: Promise<TestPostgres> | undefined;
let databases = 0;
let idle: Timer | undefined;

export async function startTimescale(): Promise<TestTimescale> {
  clearTimeout(idle);
  databases++;
  let url: string;
  let admin: string;
  try {
    server ??= startTimescaleServer();
    admin = (await server).url;
    url = await freshDatabase(admin);
  } catch (error) {
    release();
    throw error;
  }
  const name = new URL(url).pathname.slice(1);
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      const sql = postgres(admin, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end();
        release();
      }
    },
  };
}

function release() {
  databases--;
  if (databases > 0) return;
  idle = setTimeout(() => {
    const ending = server;
    server = undefined;
    void ending?.then((s) => s.destroy()).catch(() => {});
  }, IDLE_MS);
}
