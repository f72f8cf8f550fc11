// A real TimescaleDB server, for the tests, the fault suite and the benchmark: Debian's PostgreSQL 15
// with TimescaleDB 2.28.3 from shared/timescaledb (installed by .ci/run, or from here when missing),
// in a throwaway folder under /tmp, on a free port, started and stopped as the embedded test server
// is (src/dev/embedded-postgres.ts, given Debian's programs; as root they run as the postgres
// user). It has that server's shape (TestPostgres), so a test or a fault scenario can stop, kill
// and restart either.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { postmasterPid, startEmbeddedPostgres, type EmbeddedPostgresServer } from "../../src/dev/embedded-postgres.ts";
import { freePort, type TestPostgres } from "./postgres.ts";

export const TIMESCALEDB_VERSION = "2.28.3";
/** Debian's PostgreSQL 15: bin/ and lib/ (its share/ is in /usr/share/postgresql/15). */
const PG_HOME = "/usr/lib/postgresql/15";
const PG_BIN = join(PG_HOME, "bin");
const PG_LIB = join(PG_HOME, "lib");
const PG_EXTENSIONS = "/usr/share/postgresql/15/extension";
const PASSWORD = "timescale-password";
const repoRoot = join(import.meta.dir, "../..");

export interface TimescaleServerOptions {
  /** With shared_preload_libraries=timescaledb (the default); false gives a server that has
   * TimescaleDB installed but cannot load it, as right after installing the package. */
  preload?: boolean;
  /** More server settings, e.g. ["-c", "max_wal_size=4GB"]. */
  flags?: string[];
}

const asRoot = process.getuid?.() === 0;

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
    throw new Error(
      `${asRoot ? "" : "sudo -n "}bash ${script} failed (exit ${install.exitCode}) installing TimescaleDB:\n${install.stdout}${install.stderr}`,
    );
  }
}

/** The shared build links against the PostgreSQL 15 minor release Debian ships now. */
function mismatchHint(log: string): string {
  if (!log.includes("undefined symbol")) return "";
  const version = Bun.spawnSync([join(PG_BIN, "postgres"), "--version"])
    .stdout.toString()
    .trim();
  return ` TimescaleDB's library does not fit this PostgreSQL (${version}): upgrade it with \`apt-get update && apt-get install postgresql-15\` as root (bash .ci/run does).`;
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
  // /tmp: as root, the postgres user runs the server and must reach its folder.
  const folder = mkdtempSync("/tmp/tick-ingester-tsdb-");
  chmodSync(folder, 0o755);
  const dataDir = join(folder, "data");
  const guard = guardAgainstExit(folder);
  const preload = options.preload === false ? [] : ["-c", "shared_preload_libraries=timescaledb", "-c", "timescaledb.telemetry_level=off"];
  let log = "";
  let server: EmbeddedPostgresServer;
  try {
    server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      password: PASSWORD,
      programsDir: PG_HOME,
      // No Unix socket: Debian's default folder for it is not everyone's to write.
      flags: ["-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "max_connections=300", ...preload, ...(options.flags ?? [])],
      onLog: (text) => (log = (log + text).slice(-8_000)),
    });
  } catch (error) {
    guard.kill();
    rmSync(folder, { recursive: true, force: true });
    throw new Error(
      `the TimescaleDB test server (PostgreSQL 15 in ${dataDir}) did not start: ${(error as Error).message}${mismatchHint(log)}`,
    );
  }
  return {
    ...server,
    // SIGKILL of the postmaster and of its processes: a crash, not a shutdown.
    async kill() {
      const pid = postmasterPid(server.clusterDir);
      const children = pid === undefined ? [] : childrenOf(pid);
      await server.kill();
      for (const child of children) {
        try {
          process.kill(child, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
    async destroy() {
      await server.stop();
      guard.kill();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
