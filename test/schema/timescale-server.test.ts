// The TimescaleDB test server itself: what it says when it cannot be had, quickly and once.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { ensureTimescaleInstalled, startTimescaleServer } from "../support/timescale-server.ts";

test("TimescaleDB test server: not installed and no shared/ above the clone, it says what is missing and how to get it", () => {
  const missing = "/nonexistent/lib/timescaledb-tsl-2.28.3.so";
  expect(() => ensureTimescaleInstalled("/nonexistent/clone", [missing])).toThrow(
    `TimescaleDB 2.28.3 for PostgreSQL 15 is not installed (missing ${missing}), and no shared/timescaledb/install.sh was found in a folder above /nonexistent/clone: ` +
      "put the shared/ folder beside the clone (CI does) and run `bash .ci/run`, or run that install.sh as root",
  );
}, 30_000);

test("TimescaleDB test server: a server that cannot start fails at once with its log, and leaves no folder behind", async () => {
  const error = await startTimescaleServer({ flags: ["-c", "shared_buffers=100TB"] }).catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).toContain("the TimescaleDB test server (PostgreSQL 15 in /tmp/tick-ingester-tsdb-");
  expect(message).toContain("did not start: PostgreSQL did not start on port");
  expect(message).toContain("it exited with status 1");
  expect(message).toContain("FATAL");
  const folder = /\/tmp\/tick-ingester-tsdb-\w+/.exec(message)![0];
  expect(existsSync(folder)).toBe(false);
}, 30_000);
