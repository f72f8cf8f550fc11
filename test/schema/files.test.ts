// The SQL files themselves: all embedded in the binary, usable with psql -f as the README says,
// and the intervals COMPRESS_AFTER and RETAIN_FOR accept are ones PostgreSQL reads the same way.
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "bun";
import postgres from "postgres";
import { interval } from "../../src/config/values.ts";
import { migrate } from "../../src/schema/migrate.ts";
import { migrations, repeatable } from "../../src/schema/migrations.ts";
import { freshDatabase, testServerUrl } from "../support/postgres.ts";
import { startTimescale } from "../support/timescale.ts";
import { describeSchema } from "./describe.ts";
import { openSql } from "../support/processes.ts";

const schemaDir = join(import.meta.dir, "../../schema");
const files = readdirSync(schemaDir)
  .filter((f) => f.endsWith(".sql"))
  .sort();
const admin = openSql(testServerUrl());
afterAll(() => admin.end());

test("every file in schema/ is embedded, numbered ones in order, the repeatable one last", () => {
  const embedded = [...migrations, repeatable];
  expect(embedded.map((m) => `${m.name}.sql`)).toEqual(files);
  for (const m of embedded) expect(m.sql).toBe(readFileSync(join(schemaDir, `${m.name}.sql`), "utf8"));
});

function psql(): string {
  const path = Bun.which("psql");
  if (!path) throw new Error("psql is not on PATH: install the PostgreSQL client (apt-get install postgresql-client)");
  return path;
}

test("psql -f on the files, run twice, builds the schema migrate builds", async () => {
  const [byPsql, byMigrate] = [await freshDatabase(), await freshDatabase()];
  const env = { ...process.env, PGOPTIONS: "-c tick_ingester.compress_after=2\\ days -c tick_ingester.retain_for=30days" };
  for (let run = 0; run < 2; run++) {
    for (const file of files) await $`${psql()} ${byPsql} -q -v ON_ERROR_STOP=1 -f ${join(schemaDir, file)}`.env(env).quiet();
  }
  const db = openSql(byMigrate);
  try {
    await migrate(db, { compressAfter: "2 days", retainFor: "30 days" });
    await db`DROP TABLE tick_ingester_migrations`;
    const fromPsql = postgres(byPsql, { max: 1 });
    try {
      expect(await describeSchema(fromPsql)).toEqual(await describeSchema(db));
    } finally {
      await fromPsql.end();
    }
  } finally {
    await db.end();
  }
});

test("TimescaleDB: psql -f on the files, run twice, makes the hypertables and policies", async () => {
  const timescale = await startTimescale();
  try {
    const set = "SET tick_ingester.retain_for = '14 days'";
    for (let run = 0; run < 2; run++) {
      for (const file of files) await $`${psql()} ${timescale.url} -q -v ON_ERROR_STOP=1 -c ${set} -f ${join(schemaDir, file)}`.quiet();
    }
    const db = postgres(timescale.url, { max: 1 });
    try {
      const jobs = await db`SELECT hypertable_name AS table, coalesce(config ->> 'compress_after', config ->> 'drop_after') AS "interval"
                            FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY 1, 2`;
      expect(jobs.map((j) => `${j.table} ${j.interval}`)).toEqual([
        "tick_transactions 1 day",
        "tick_transactions 14 days",
        "ticks 1 day",
        "ticks 14 days",
        "vdf_proofs 1 day",
        "vdf_proofs 14 days",
      ]);
    } finally {
      await db.end();
    }
  } finally {
    await timescale.stop();
  }
}, 30_000);

test("psql -f stops on policy intervals in the wrong order", async () => {
  const url = await freshDatabase();
  const env = { ...process.env, PGOPTIONS: "-c tick_ingester.compress_after=8days" };
  const result = await $`${psql()} ${url} -q -v ON_ERROR_STOP=1 -f ${join(schemaDir, "R_timescale.sql")}`.env(env).nothrow().quiet();
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr.toString()).toContain("RETAIN_FOR (7 days) must be longer than COMPRESS_AFTER (8 days)");
});

test("each interval COMPRESS_AFTER and RETAIN_FOR accept is one PostgreSQL reads, and means what it says", async () => {
  const accepted = {
    "1 day": "1 day",
    "7 days": "7 days",
    "12 hours": "12:00:00",
    "2days": "2 days",
    "1 week 3 days": "10 days",
    "90 mins": "01:30:00",
    "30 minutes 15 secs": "00:30:15",
    "1 hr": "01:00:00",
    "2 weeks": "14 days",
    "1 month": "1 mon",
    "3 mons": "3 mons",
    "1 year": "1 year",
    "2 yrs": "2 years",
    "500 milliseconds": "00:00:00.5",
    "10 microseconds": "00:00:00.00001",
    "1 DAY": "1 day",
  };
  for (const [text, normal] of Object.entries(accepted)) {
    expect({ text, parsed: interval.safeParse(text).success }).toEqual({ text, parsed: true });
    const [row] = await admin`SELECT ${text}::interval::text AS value`;
    expect({ text, value: row!.value }).toEqual({ text, value: normal });
  }
  for (const text of ["", "day", "1", "0 days", "-1 day", "1 fortnight", "1m", "P1D", "1 day;drop table ticks", " 1 day"]) {
    expect({ text, parsed: interval.safeParse(text).success }).toEqual({ text, parsed: false });
  }
});
