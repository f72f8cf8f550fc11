import { freshDatabase, type TestPostgres } from "./postgres.ts";
import { startTimescaleServer } from "./timescale-server.ts";
import { openSql } from "./processes.ts";

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
      const sql = openSql(admin);
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
