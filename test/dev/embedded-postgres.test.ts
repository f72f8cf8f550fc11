// The embedded PostgreSQL server of the tests and the demo: it starts wherever its data folder is,
// as root too, and when it cannot start it says why at once instead of waiting forever.
import { expect, test } from "bun:test";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, postmasterPid, startEmbeddedPostgres } from "../../src/dev/embedded-postgres.ts";
import { openSql } from "../support/processes.ts";

const asRoot = process.getuid?.() === 0;

function tempDir(mode = 0o700) {
  const dir = mkdtempSync(join(tmpdir(), "embedded-pg-test-"));
  chmodSync(dir, mode);
  return dir;
}

test("programs that are missing: it fails at once, naming the program and `bun install`", async () => {
  const programs = tempDir();
  try {
    const starting = startEmbeddedPostgres({
      dataDir: join(programs, "data"),
      port: await freePort(),
      password: "pw",
      programsDir: programs,
    });
    await expect(starting).rejects.toThrow(`the PostgreSQL program ${join(programs, "bin", "initdb")} is missing: run bun install`);
  } finally {
    rmSync(programs, { recursive: true, force: true });
  }
});

// The permission error that made `bun test` hang as root: posix_spawn of initdb failed with EACCES,
// the error went unhandled and the start never settled.
test("programs that cannot be run (no execute permission): it fails at once with the reason", async () => {
  const programs = tempDir(0o755);
  try {
    mkdirSync(join(programs, "bin"));
    for (const name of ["initdb", "postgres"]) writeFileSync(join(programs, "bin", name), "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    const starting = startEmbeddedPostgres({
      dataDir: join(programs, "data"),
      port: await freePort(),
      password: "pw",
      programsDir: programs,
    });
    await expect(starting).rejects.toThrow(/could not create a PostgreSQL cluster in .*: .*EACCES/);
  } finally {
    rmSync(programs, { recursive: true, force: true });
  }
});

test("a server that exits during start-up: it fails with the server's own last words", async () => {
  const programs = tempDir(0o755);
  try {
    mkdirSync(join(programs, "bin"));
    writeFileSync(join(programs, "bin", "initdb"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    writeFileSync(join(programs, "bin", "postgres"), '#!/bin/sh\necho "FATAL:  could not bind IPv4 address" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const dataDir = join(programs, "data");
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "PG_VERSION"), "17\n");
    const port = await freePort();
    const starting = startEmbeddedPostgres({ dataDir, port, password: "pw", programsDir: programs });
    await expect(starting).rejects.toThrow(
      `PostgreSQL did not start on port ${port} with data in ${dataDir}: it exited with status 1: FATAL:  could not bind IPv4 address`,
    );
  } finally {
    rmSync(programs, { recursive: true, force: true });
  }
});

test("a data folder inside a folder only its owner can enter (a clone under /root): the server starts, and keeps its data across restarts", async () => {
  const home = tempDir(0o700);
  const dataDir = join(home, "repo", ".demo", "postgres");
  const start = async () => startEmbeddedPostgres({ dataDir, port: await freePort(), password: "pw" });
  let server = await start();
  try {
    const sql = openSql(server.url);
    await sql`CREATE TABLE kept (n int)`;
    await sql`INSERT INTO kept VALUES (42)`;
    await sql.end();
    if (asRoot) {
      // PostgreSQL runs as the postgres user, which cannot enter `home`: its data is elsewhere,
      // linked from the data folder, and its programs are a copy that user can run.
      expect(server.clusterDir).toStartWith("/var/lib/tick-ingester/postgres-");
      expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
      expect(readlinkSync(dataDir)).toBe(server.clusterDir);
      expect(realpathSync(`/proc/${postmasterPid(dataDir)}/exe`)).toStartWith("/var/cache/tick-ingester/embedded-postgres-");
    } else {
      expect(server.clusterDir).toBe(dataDir);
    }
    await server.stop();
    server = await start();
    const again = openSql(server.url);
    expect([...(await again`SELECT n FROM kept`)]).toEqual([{ n: 42 }]);
    await again.end();
  } finally {
    await server.stop();
    rmSync(server.clusterDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}, 120_000);
