// The database connection over TLS with a self-signed CA (test/fixtures/tls), against a real
// PostgreSQL server with ssl=on on loopback: sslmode=verify-full and verify-ca accept the server
// with the CA from sslrootcert or DATABASE_CA_FILE, refuse a wrong host name (verify-full) and an
// unknown CA with a clear error, and never answer a request for the password in cleartext.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, chownSync, copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateHint, connectDatabase } from "../../src/sink/database.ts";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { cli, openSql, spawnIngester, waitForCheckpoint } from "../support/processes.ts";
import { freshDatabase, startPostgres } from "../support/postgres.ts";

const fixtures = join(import.meta.dir, "../fixtures/tls");
const CA = join(fixtures, "ca.pem");
const FIRST = 51_548_050_841n;

// The server reads its key and certificate as the user it runs as (postgres, when tests run as root).
const files = mkdtempSync(join(tmpdir(), "pg-tls-"));
for (const name of ["server.pem", "server.key"]) copyFileSync(join(fixtures, name), join(files, name));
writeFileSync(
  join(files, "pg_hba.conf"),
  ["local all all trust", "host all cleartext 0.0.0.0/0 password", "host all all 0.0.0.0/0 scram-sha-256"].join("\n") + "\n",
);
if (process.getuid?.() === 0) {
  const { uid, gid } = postgresUser();
  for (const name of ["server.pem", "server.key", "pg_hba.conf"]) chownSync(join(files, name), uid, gid);
}
chmodSync(files, 0o755);
chmodSync(join(files, "server.key"), 0o600);

function postgresUser() {
  const line = Bun.spawnSync(["getent", "passwd", "postgres"]).stdout.toString().split(":");
  if (line.length < 4) throw new Error("the postgres user is missing (the embedded server creates it on its first start as root)");
  return { uid: Number(line[2]), gid: Number(line[3]) };
}

const server = await startPostgres({
  flags: [
    "-c",
    "ssl=on",
    "-c",
    `ssl_cert_file=${join(files, "server.pem")}`,
    "-c",
    `ssl_key_file=${join(files, "server.key")}`,
    "-c",
    `hba_file=${join(files, "pg_hba.conf")}`,
    "-c",
    "listen_addresses=127.0.0.1,127.0.0.2",
  ],
});
const admin = openSql(server.url);
await admin`CREATE ROLE cleartext LOGIN PASSWORD 'cleartext-pw'`;
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  await admin.end();
  await server.destroy();
});

/** The server's URL with another host and query. */
function urlOf(host: string, query: string, user?: string) {
  const url = new URL(server.url);
  url.hostname = host;
  if (user) {
    url.username = user;
    url.password = `${user}-pw`;
  }
  url.search = query;
  return url.toString();
}

/** True if the session is encrypted, or the error's code and message. */
async function attempt(url: string, caFile?: string): Promise<true | { code?: string; message: string }> {
  const sql = connectDatabase(url, { statementTimeoutMs: 10_000, caFile }, { max: 1, connect_timeout: 5 });
  try {
    const [row] = await sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
    return row!.ssl === true || { message: "connected without TLS" };
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

test("verify-full accepts the server with the CA from sslrootcert or DATABASE_CA_FILE", async () => {
  expect(await attempt(urlOf("127.0.0.1", `sslmode=verify-full&sslrootcert=${encodeURIComponent(CA)}`))).toBe(true);
  expect(await attempt(urlOf("localhost", "sslmode=verify-full"), CA)).toBe(true);
}, 30_000);

test("verify-full refuses a certificate for another host name; verify-ca does not check the name", async () => {
  // The certificate is for localhost and 127.0.0.1; the same server answers on 127.0.0.2.
  const refused = await attempt(urlOf("127.0.0.2", "sslmode=verify-full"), CA);
  expect(refused).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
  expect(certificateHint(refused as { code: string })).toContain("not for the host in DATABASE_URL");
  expect(await attempt(urlOf("127.0.0.2", "sslmode=verify-ca"), CA)).toBe(true);
}, 30_000);

test("verify-full and verify-ca refuse a server whose CA is unknown", async () => {
  for (const mode of ["verify-full", "verify-ca"]) {
    const refused = await attempt(urlOf("127.0.0.1", `sslmode=${mode}`));
    expect(refused).not.toBe(true);
    expect(certificateHint(refused as { code: string })).toContain("not signed by the CA given");
  }
}, 30_000);

test("when verifying, a request for the password in cleartext is refused", async () => {
  const refused = await attempt(urlOf("127.0.0.1", "sslmode=verify-full", "cleartext"), CA);
  expect(refused).toMatchObject({ code: "CLEARTEXT_PASSWORD_REFUSED" });
  // The control: the role and the server's rule work, and without verification the driver answers.
  expect(await attempt(urlOf("127.0.0.1", "sslmode=require", "cleartext"))).toBe(true);
}, 30_000);

test("a CA file that cannot be read is named in the error", () => {
  expect(() =>
    connectDatabase(urlOf("127.0.0.1", "sslmode=verify-full"), { statementTimeoutMs: 1_000, caFile: "/nonexistent/ca.pem" }),
  ).toThrow("cannot read the database's CA file /nonexistent/ca.pem (DATABASE_CA_FILE)");
});

test("the ingester writes over verify-full with DATABASE_CA_FILE, and refuses to start on a wrong host name", async () => {
  const plain = await migratedDatabase(server.url);
  const db = new URL(plain);
  const sim = await startSimulator(
    simulatorDefaults({ rate: 0, firstTick: FIRST, stopAt: FIRST + 1999n, seed: 5, genesisTime: 1_768_028_416_704_159n }),
  );
  cleanup.push(() => sim.stop());
  const env = (host: string) => {
    db.hostname = host;
    db.search = "?sslmode=verify-full";
    return {
      CONTINUUM_GRPC_URL: sim.address,
      DATABASE_URL: db.toString(),
      DATABASE_CA_FILE: CA,
      START_TICK: FIRST.toString(),
      WORKER_COUNT: "2",
      SERVICE_NAME: "tls-db",
    };
  };

  const wrongHost = spawnIngester(env("127.0.0.2"));
  expect(await wrongHost.exited).toBe(1);
  expect(wrongHost.output()).toContain("the server's certificate is not for the host in DATABASE_URL");
  expect(wrongHost.output()).not.toContain("test-password");

  const proc = spawnIngester(env("localhost"));
  cleanup.push(async () => {
    proc.proc.kill("SIGKILL");
    await proc.exited;
  });
  await waitForCheckpoint(plain, "tls-db", FIRST + 2000n, 30_000, proc);
  proc.proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
}, 60_000);

test("migrate connects as run does: verify-full with DATABASE_CA_FILE, and a wrong host name refused", async () => {
  const db = new URL(await freshDatabase(server.url));
  db.search = "?sslmode=verify-full";
  const migrateAt = (host: string) => {
    db.hostname = host;
    return cli(["migrate"], { DATABASE_URL: db.toString(), DATABASE_CA_FILE: CA });
  };
  const refused = await migrateAt("127.0.0.2");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("the server's certificate is not for the host in DATABASE_URL");
  expect(refused.stderr).not.toContain("test-password");
  const applied = await migrateAt("localhost");
  expect(applied.stderr).toBe("");
  expect(applied.code).toBe(0);
}, 60_000);
