// `tick-ingester migrate` as a user runs it, against PostgreSQL, TimescaleDB and no server at all.
import { expect, test } from "bun:test";
import { createServer } from "node:net";
import postgres from "postgres";
import { freePort, freshDatabase } from "../support/postgres.ts";
import { startTimescale } from "../support/timescale.ts";
import { startTimescaleServer } from "../support/timescale-server.ts";
import { cli, openSql } from "../support/processes.ts";

function logLines(stdout: string): { msg: string; [field: string]: unknown }[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

/** Logs as JSON lines, as in production (ENV=development, the default, prints readable lines). */
const PRODUCTION = { ENV: "production" };

async function recordedMigrations(url: string) {
  const db = openSql(url);
  try {
    return (await db`SELECT name FROM tick_ingester_migrations ORDER BY name`).map((r) => r.name);
  } finally {
    await db.end();
  }
}

test("on an empty PostgreSQL database it applies the migrations, says so, and exits 0; a second run applies none", async () => {
  const url = await freshDatabase();
  const first = await cli(["migrate", "--database-url", url], PRODUCTION);
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
  const lines = logLines(first.stdout);
  expect(lines.map((l) => l.msg)).toEqual([
    "applied migration 001_tables",
    "applied migration 002_views",
    "applied migration 003_leases",
    "applied 001_tables, 002_views, 003_leases; plain PostgreSQL: TimescaleDB is not available on this server, so no hypertables, compression or retention",
  ]);
  expect(lines.at(-1)).toMatchObject({ applied: ["001_tables", "002_views", "003_leases"], timescale: false });
  // The README's log format, the same as `run`'s: a level label, an ISO timestamp, the service.
  for (const line of lines) {
    expect(line).toMatchObject({ level: "info", service: "tick-ingester" });
    expect(new Date(line.timestamp as string).toISOString()).toBe(line.timestamp as string);
    expect(line).not.toContainAnyKeys(["time", "hostname", "pid"]);
  }

  const second = await cli(["migrate"], { DATABASE_URL: url, ...PRODUCTION, SERVICE_NAME: "ticks-eu" });
  expect(second.code).toBe(0);
  expect(logLines(second.stdout).map((l) => [l.service, l.msg])).toEqual([
    [
      "ticks-eu",
      "schema already up to date; plain PostgreSQL: TimescaleDB is not available on this server, so no hypertables, compression or retention",
    ],
  ]);
});

test("in development (the default ENV) it logs readable lines, like run", async () => {
  const url = await freshDatabase();
  const { stdout, stderr, code } = await cli(["migrate", "--database-url", url]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  const lines = stdout.trim().split("\n");
  expect(lines.filter((line) => line.startsWith("{"))).toEqual([]);
  expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: applied migration 001_tables/);
});

test("two migrate runs at once both succeed, and each migration is applied once", async () => {
  const url = await freshDatabase();
  const runs = await Promise.all([
    cli(["migrate", "--database-url", url], PRODUCTION),
    cli(["migrate", "--database-url", url], PRODUCTION),
  ]);
  expect(runs.map((r) => [r.code, r.stderr])).toEqual([
    [0, ""],
    [0, ""],
  ]);
  const applied = runs.flatMap((r) => logLines(r.stdout).at(-1)!.applied as string[]);
  expect(applied.sort()).toEqual(["001_tables", "002_views", "003_leases"]);
  expect(await recordedMigrations(url)).toEqual(["001_tables", "002_views", "003_leases"]);
});

test("TimescaleDB: on TimescaleDB it says so and names the policy intervals", async () => {
  const timescale = await startTimescale();
  try {
    const { stdout, stderr, code } = await cli(["migrate", "--database-url", timescale.url, "--compress-after", "12 hours"], {
      RETAIN_FOR: "3 days",
      ...PRODUCTION,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(logLines(stdout).at(-1)!.msg).toBe(
      "applied 001_tables, 002_views, 003_leases; TimescaleDB: ticks, vdf_proofs and tick_transactions are hypertables, compressed after 12 hours, dropped after 3 days",
    );
  } finally {
    await timescale.stop();
  }
}, 30_000);

async function tablesIn(url: string) {
  const db = openSql(url);
  try {
    return (await db`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`).map((r) => r.tablename);
  } finally {
    await db.end();
  }
}

test("TimescaleDB installed but not preloaded: exits 1 within seconds naming shared_preload_libraries, and applies nothing", async () => {
  const server = await startTimescaleServer({ preload: false });
  try {
    const url = await freshDatabase(server.url);
    const started = performance.now();
    const { stdout, stderr, code } = await cli(["migrate", "--database-url", url]);
    const took = performance.now() - started;
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toContain("TimescaleDB is installed on this server but not preloaded");
    expect(stderr).toContain("set shared_preload_libraries = 'timescaledb' in postgresql.conf");
    expect(stderr).toContain("nothing was changed");
    expect(stderr).not.toContain("timescale-password");
    expect(await tablesIn(url)).toEqual([]);
    console.log(`migrate refused the server without the preload in ${(took / 1000).toFixed(1)} s`);
  } finally {
    await server.destroy();
  }
}, 60_000);

test("TimescaleDB: a role that may not create the extension is told so, and nothing is applied", async () => {
  const timescale = await startTimescale();
  const role = `migrator_${process.pid}`;
  const admin = openSql(timescale.url);
  try {
    // It may create tables (the numbered migrations) but not extensions: no CREATE on the database.
    await admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'migrator-password'`);
    await admin.unsafe(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
    const url = new URL(timescale.url);
    url.username = role;
    url.password = "migrator-password";
    const { stderr, code } = await cli(["migrate", "--database-url", url.toString()]);
    expect(code).toBe(1);
    const database = url.pathname.slice(1);
    expect(stderr).toContain(`role ${role} may not create the timescaledb extension in database ${database}`);
    expect(stderr).toContain(`GRANT CREATE ON DATABASE ${database} TO ${role}`);
    expect(await tablesIn(timescale.url)).toEqual([]);

    // Once granted as the message says, migrate enables TimescaleDB as that role.
    await admin.unsafe(`GRANT CREATE ON DATABASE ${database} TO ${role}`);
    const granted = await cli(["migrate", "--database-url", url.toString()], PRODUCTION);
    expect({ code: granted.code, stderr: granted.stderr }).toEqual({ code: 0, stderr: "" });
    expect(logLines(granted.stdout).at(-1)).toMatchObject({ timescale: true });
  } finally {
    await admin.end();
    await timescale.stop();
  }
}, 30_000);

test("an unreachable database exits 1 naming the host, without the password", async () => {
  const port = await freePort();
  const url = `postgres://ingest:s3cret-pw@127.0.0.1:${port}/ticks`;
  const { stdout, stderr, code } = await cli(["migrate", "--database-url", url]);
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr).toStartWith(`tick-ingester migrate: cannot connect to the database at postgres://ingest:***@127.0.0.1:${port}/ticks: `);
  expect(stderr).toContain("ECONNREFUSED");
  expect(stderr).not.toContain("s3cret-pw");
});

test("a server that accepts and never answers exits 1 after the connect timeout", async () => {
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as { port: number };
  try {
    const { stderr, code } = await cli(["migrate", "--database-url", `postgres://ingest:s3cret-pw@127.0.0.1:${port}/ticks`]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `tick-ingester migrate: cannot connect to the database at postgres://ingest:***@127.0.0.1:${port}/ticks: no answer within 5 s\n`,
    );
  } finally {
    silent.close();
  }
}, 15_000);

test("bad intervals and a missing DATABASE_URL exit 2 naming the variable", async () => {
  const bad = await cli(["migrate", "--compress-after", "soon"], { DATABASE_URL: "postgres://u:pw@127.0.0.1:1/db", RETAIN_FOR: "0 days" });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--compress-after="soon": expected an interval like 1 day, 12 hours or 2 weeks');
  expect(bad.stderr).toContain('RETAIN_FOR="0 days": expected an interval longer than zero');

  const missing = await cli(["migrate"]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("DATABASE_URL is required");
});

test("RETAIN_FOR not longer than COMPRESS_AFTER exits 1 naming both, and applies nothing", async () => {
  const url = await freshDatabase();
  const { stderr, code } = await cli(["migrate", "--database-url", url, "--compress-after", "8 days"]);
  expect(code).toBe(1);
  expect(stderr).toContain("migration R_timescale failed: RETAIN_FOR (7 days) must be longer than COMPRESS_AFTER (8 days)");
  const db = postgres(url, { max: 1 });
  try {
    expect((await db`SELECT to_regclass('ticks') AS t`)[0]!.t).toBeNull();
  } finally {
    await db.end();
  }
});
