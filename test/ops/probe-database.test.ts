// The database probe against a real PostgreSQL, and against a port nobody listens on.
import { expect, test } from "bun:test";
import { probeDatabase } from "../../src/ops/probe-database.ts";
import { freePort, freshDatabase } from "../support/postgres.ts";
import { openSql } from "../support/processes.ts";

test("a reachable database answers true", async () => {
  const sql = openSql(await freshDatabase());
  try {
    expect(await probeDatabase(sql, 2_000)).toBe(true);
  } finally {
    await sql.end();
  }
});

test("a closed port gives a reason naming the host, without the password", async () => {
  const port = await freePort();
  const sql = openSql(`postgres://ingest:s3cret-pw@127.0.0.1:${port}/ticks`);
  try {
    const result = await probeDatabase(sql, 2_000);
    expect(typeof result).toBe("string");
    expect(result).toContain(`127.0.0.1:${port}`);
    expect(result).toContain("ECONNREFUSED");
    expect(result).not.toContain("s3cret-pw");
  } finally {
    await sql.end({ timeout: 0 });
  }
});

test("a server that does not answer in time gives a timeout reason", async () => {
  // A listener that accepts the connection and never speaks: the probe must not wait for ever.
  const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const sql = openSql(`postgres://ingest:s3cret-pw@127.0.0.1:${silent.port}/ticks`);
  try {
    expect(await probeDatabase(sql, 200)).toBe(`127.0.0.1:${silent.port}: no answer within 200ms`);
  } finally {
    await sql.end({ timeout: 0 });
    silent.stop(true);
  }
});
