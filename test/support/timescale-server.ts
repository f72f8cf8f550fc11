// A real TimescaleDB server, for the tests, the fault suite and the benchmark: Debian's PostgreSQL 15
// with TimescaleDB 2.28.3 from shared/timescaledb (installed by .ci/run, or from here when missing),
// in a throwaway folder under /tmp, on a free port. As root it runs as the `postgres` user: initdb
// and postgres refuse root. It has the shape of the embedded test server (TestPostgres), so a
// test or a fault scenario can stop, kill and restart either.
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { isAlive, postmasterPid } from "../../src/dev/embedded-postgres.ts";
import { freePort, type TestPostgres } from "./postgres.ts";

export const TIMESCALEDB_VERSION = "2.28.3";
const PG_BIN = "/usr/lib/postgresql/15/bin";
const PG_LIB = "/usr/lib/postgresql/15/lib";
const PG_EXTENSIONS = "/usr/share/postgresql/15/extension";
/** How long a start may take before it counts as failed; a healthy one takes about a second. */
const START_TIMEOUT_MS = 20_000;
const READY = "database system is ready to accept connections";
const repoRoot = join(import.meta.dir, "../..");

export interface TimescaleServerOptions {
  /** With shared_preload_libraries=timescaledb (the default); false gives a server that has
   * TimescaleDB installed but cannot load it, as right after installing the package. */
  preload?: boolean;
  /** More server settings, e.g. ["-c", "max_wal_size=4GB"]. */
  flags?: string[];
}

const asRoot = process.getuid?.() === 0;
const asPostgres = (command: string[]) => (asRoot ? ["runuser", "-u", "postgres", "--", ...command] : command);

const INSTALLED_FILES = [
  join(PG_BIN, "postgres"),
  join(PG_LIB, `timescaledb-tsl-${TIMESCALEDB_VERSION}.so`),
  join(PG_EXTENSIONS, `timescaledb--${TIMESCALEDB_VERSION}.sql`),
];

/** The install script of shared/timescaledb, in the nearest folder above `clone` that has one
 * (CI puts shared/ beside the clone). */
function findInstallScript(clone: string): string | undefined {
  for (let dir = dirname(clone); ; dir = dirname(dir)) {
    const script = join(dir, "shared/timescaledb/install.sh");
    if (existsSync(script)) return script;
    if (dir === dirname(dir)) return undefined;
  }
}

/** Installs PostgreSQL 15 and TimescaleDB with shared/timescaledb/install.sh when any of `needed` is missing. */
export function ensureTimescaleInstalled(clone = repoRoot, needed = INSTALLED_FILES) {
  const missing = needed.filter((file) => !existsSync(file));
  if (missing.length === 0) return;
  const script = findInstallScript(clone);
  if (!script) {
    throw new Error(
      `TimescaleDB ${TIMESCALEDB_VERSION} for PostgreSQL 15 is not installed (missing ${missing.join(", ")}), and no shared/timescaledb/install.sh ` +
        `was found in a folder above ${clone}: put the shared/ folder beside the clone (CI does) and run \`bash .ci/run\`, or run that install.sh as root`,
    );
  }
  const install = Bun.spawnSync([...(asRoot ? [] : ["sudo", "-n"]), "bash", script], { stdout: "pipe", stderr: "pipe" });
  if (install.exitCode !== 0) {
    throw new Error(`${asRoot ? "" : "sudo -n "}bash ${script} failed (exit ${install.exitCode}) installing TimescaleDB:\n${install.stdout}${install.stderr}`);
  }
}

/** The shared build links against the PostgreSQL 15 minor release Debian ships now. */
function mismatchHint(log: string): string {
  if (!log.includes("undefined symbol")) return "";
  const version = Bun.spawnSync([join(PG_BIN, "postgres"), "--version"]).stdout.toString().trim();
  return ` TimescaleDB's library does not fit this PostgreSQL (${version}): upgrade it with \`apt-get update && apt-get install postgresql-15\` as root (bash .ci/run does).`;
}

function postgresUserIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("there is no postgres user: install PostgreSQL 15 with shared/timescaledb/install.sh (bash .ci/run does)");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** The server's worker processes: after a SIGKILL of the postmaster they would hold its shared memory. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function killNow(dataDir: string) {
  const pid = postmasterPid(dataDir);
  if (pid === undefined || !isAlive(pid)) return;
  const children = childrenOf(pid);
  process.kill(pid, "SIGKILL");
  for (const child of children) {
    try {
      process.kill(child, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

// `bun test` exits without running exit handlers, and a server left behind would hold its port and
// its folder: a watcher ends both once this process is gone.
const GUARD = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
pid=$(head -1 "$2/data/postmaster.pid" 2>/dev/null) && kill -QUIT "$pid" 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
rm -rf "$2"`;

function guardAgainstExit(folder: string) {
  const guard = Bun.spawn(["sh", "-c", GUARD, "guard", String(process.pid), folder], { stdio: ["ignore", "ignore", "ignore"] });
  guard.unref();
  return guard;
}

export async function startTimescaleServer(options: TimescaleServerOptions = {}): Promise<TestPostgres> {
  ensureTimescaleInstalled();
  const folder = mkdtempSync("/tmp/tick-ingester-tsdb-");
  if (asRoot) {
    const { uid, gid } = postgresUserIds();
    chownSync(folder, uid, gid);
  }
  const dataDir = join(folder, "data");
  const initdb = Bun.spawnSync(asPostgres([join(PG_BIN, "initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8", "--locale=C"]), {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (initdb.exitCode !== 0) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`initdb of the TimescaleDB test server in ${dataDir} failed (exit ${initdb.exitCode}):\n${initdb.stderr}`);
  }
  const port = await freePort();
  const preload = options.preload === false ? [] : ["-c", "shared_preload_libraries=timescaledb", "-c", "timescaledb.telemetry_level=off"];
  const command = asPostgres([
    join(PG_BIN, "postgres"),
    ...["-D", dataDir, "-p", String(port), "-k", folder],
    ...["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300"],
    ...preload,
    ...(options.flags ?? []),
  ]);

  let server: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined;
  const guard = guardAgainstExit(folder);

  const start = async () => {
    let log = "";
    const proc = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    server = proc;
    const ready = new Promise<void>((resolve, reject) => {
      const read = async (stream: ReadableStream<Uint8Array>) => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) {
          // Keep the tail only: a server under test logs for minutes.
          log = (log + decoder.decode(chunk)).slice(-8_000);
          if (log.includes(READY)) resolve();
        }
      };
      void read(proc.stdout);
      void read(proc.stderr);
      void proc.exited.then((code) => reject(new Error(`it exited with code ${code}`)));
      setTimeout(() => reject(new Error(`it was not ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS).unref();
    });
    try {
      await ready;
    } catch (error) {
      killNow(dataDir);
      proc.kill("SIGKILL");
      throw new Error(
        `the TimescaleDB test server (PostgreSQL 15 in ${dataDir}, port ${port}) did not start: ${(error as Error).message}.${mismatchHint(log)} Its log:\n${log.trim()}`,
      );
    }
  };

  const waitForExit = async () => {
    if (server && server.exitCode === null && server.signalCode === null) await server.exited;
  };

  try {
    await start();
  } catch (error) {
    guard.kill();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  // A fast shutdown: sessions are ended, what is committed stays.
  const stop = async () => {
    const pid = postmasterPid(dataDir);
    if (pid !== undefined && isAlive(pid)) process.kill(pid, "SIGINT");
    await waitForExit();
  };
  return {
    url: `postgres://postgres:timescale-password@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    clusterDir: dataDir,
    start,
    stop,
    // SIGKILL of the postmaster and of its processes: a crash, not a shutdown.
    async kill() {
      killNow(dataDir);
      await waitForExit();
    },
    async destroy() {
      await stop();
      guard.kill();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
