// The command line as a user meets it: a real process, its exit status and its output.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { cli } from "./support/processes.ts";

const required = { CONTINUUM_GRPC_URL: "localhost:50051", DATABASE_URL: "postgres://ingest:s3cret@db:5432/ticks" };

test("--batch-size 500 beats BATCH_SIZE=100, and the password stays hidden", async () => {
  const { stdout, code } = await cli(["--batch-size", "500", "--print-config"], { ...required, BATCH_SIZE: "100" });
  expect(code).toBe(0);
  const config = JSON.parse(stdout);
  expect(config.BATCH_SIZE).toBe(500);
  expect(config.DATABASE_URL).toBe("postgres://ingest:***@db:5432/ticks");
  expect(stdout).not.toContain("s3cret");
});

test("--flag=value works like --flag value", async () => {
  const { stdout } = await cli(["run", "--worker-count=3", "--print-config"], required);
  expect(JSON.parse(stdout).WORKER_COUNT).toBe(3);
});

test("BATCH_SIZE=abc exits 2 naming the variable and the value", async () => {
  const { stderr, code } = await cli([], { ...required, BATCH_SIZE: "abc" });
  expect(code).toBe(2);
  expect(stderr).toContain('BATCH_SIZE="abc"');
});

test("an unknown flag exits 2", async () => {
  const { stderr, code } = await cli(["--batch-sise", "5"], required);
  expect(code).toBe(2);
  expect(stderr).toContain("--batch-sise");
});

test("--version prints the package version", async () => {
  const { stdout, code } = await cli(["--version"]);
  expect(code).toBe(0);
  expect(stdout.trim()).toBe((await Bun.file(join(import.meta.dir, "../package.json")).json()).version);
});

test("every subcommand has --help", async () => {
  for (const command of ["run", "migrate", "simulate", "verify"]) {
    const { stdout, code } = await cli([command, "--help"]);
    expect({ command, code }).toEqual({ command, code: 0 });
    expect(stdout).toContain(`Usage: tick-ingester ${command}`);
  }
});

test("STREAM_IDLE_TIMEOUT=0s exits 2: it would give up on every stream at once and reconnect for ever", async () => {
  const { stderr, code } = await cli([], { ...required, STREAM_IDLE_TIMEOUT: "0s" });
  expect(code).toBe(2);
  expect(stderr).toContain('STREAM_IDLE_TIMEOUT="0s": expected a duration above 0');
});
