import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkIngester, ingesterFields } from "../src/config/ingester.ts";
import { configLoader } from "./support/config.ts";
import { redactUrl } from "../src/config/values.ts";

const required = { CONTINUUM_GRPC_URL: "localhost:50051", DATABASE_URL: "postgres://u:pw@db:5432/ticks" };
const { load, problemsOf } = configLoader(ingesterFields, checkIngester);

test("defaults are the README's", () => {
  const config = load({ env: required });
  expect(config).toMatchObject({
    serviceName: "tick-ingester",
    env: "development",
    startTick: 0n,
    dbMaxConnections: 100,
    dbMinConnections: 10,
    bufferSize: 10000,
    workerCount: 8,
    batchSize: 250,
    flushInterval: 100,
    outputMode: "timescale",
    outputFormat: "json",
    healthCheckPort: 8081,
  });
  expect(Object.isFrozen(config)).toBe(true);
});

test("a flag beats the environment, which beats the .env file", () => {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  const envFile = join(dir, ".env");
  writeFileSync(envFile, "BATCH_SIZE=7\nWORKER_COUNT=3\nBUFFER_SIZE=11\n");
  const config = load({ env: { ...required, BATCH_SIZE: "100", WORKER_COUNT: "4" }, flags: { batchSize: "500" }, envFile });
  expect(config.batchSize).toBe(500);
  expect(config.workerCount).toBe(4);
  expect(config.bufferSize).toBe(11);
});

test("durations take the documented form", () => {
  expect(load({ env: { ...required, FLUSH_INTERVAL: "2s" } }).flushInterval).toBe(2000);
  expect(load({ env: { ...required, FLUSH_INTERVAL: "1m" } }).flushInterval).toBe(60_000);
  expect(load({ env: { ...required, FLUSH_INTERVAL: "50ms" } }).flushInterval).toBe(50);
});

test("START_TICK keeps every bit of a uint64", () => {
  expect(load({ env: { ...required, START_TICK: "18446744073709551615" } }).startTick).toBe(18446744073709551615n);
  expect(load({ env: { ...required, START_TICK: "9007199254740993" } }).startTick).toBe(9007199254740993n);
  expect(problemsOf({ env: { ...required, START_TICK: "18446744073709551616" } })[0]).toContain("START_TICK");
});

test("every bad value is reported at once, by name and value, with no fallback", () => {
  const problems = problemsOf({ env: { BATCH_SIZE: "abc", FLUSH_INTERVAL: "fast", OUTPUT_MODE: "kafka", WORKER_COUNT: "" } });
  expect(problems).toContain('BATCH_SIZE="abc": expected a whole number');
  expect(problems).toContain('FLUSH_INTERVAL="fast": expected a duration like 100ms, 2s or 1m');
  expect(problems.some((p) => p.startsWith('OUTPUT_MODE="kafka"'))).toBe(true);
  expect(problems.some((p) => p.startsWith('WORKER_COUNT=""'))).toBe(true);
  expect(problems.some((p) => p.startsWith("CONTINUUM_GRPC_URL is required"))).toBe(true);
});

test("a missing DATABASE_URL is an error in timescale mode only", () => {
  expect(problemsOf({ env: { CONTINUUM_GRPC_URL: "localhost:50051" } })).toEqual(["DATABASE_URL is required when OUTPUT_MODE=timescale"]);
  expect(load({ env: { CONTINUUM_GRPC_URL: "localhost:50051", OUTPUT_MODE: "console" } }).databaseUrl).toBeUndefined();
});

test("a flag names itself in the error", () => {
  expect(problemsOf({ env: required, flags: { batchSize: "x" } })).toEqual(['--batch-size="x": expected a whole number']);
});

test("a bad DATABASE_URL is reported without its password", () => {
  const [problem] = problemsOf({ env: { ...required, DATABASE_URL: "mysql://admin:hunter2@db/x" } });
  expect(problem).toContain("DATABASE_URL");
  expect(problem).not.toContain("hunter2");
});

test("redactUrl hides passwords in the userinfo and in query parameters", () => {
  expect(redactUrl("postgres://u:hunter2@h:5432/db?sslmode=require")).toBe("postgres://u:***@h:5432/db?sslmode=require");
  expect(redactUrl("postgres://u@h/db?password=hunter2")).not.toContain("hunter2");
  expect(redactUrl("not a url //u:hunter2@h")).not.toContain("hunter2");
});

test("DB_MAX_CONNECTIONS must leave a connection for every worker", () => {
  expect(problemsOf({ env: { ...required, WORKER_COUNT: "8", DB_MAX_CONNECTIONS: "10" } })).toEqual([
    "WORKER_COUNT=8 needs 12 database connections (one per worker and 4 more), more than DB_MAX_CONNECTIONS=10",
  ]);
  expect(load({ env: { ...required, WORKER_COUNT: "8", DB_MAX_CONNECTIONS: "12", DB_MIN_CONNECTIONS: "2" } }).workerCount).toBe(8);
});

test("BUFFER_BYTES takes bytes or KiB, MiB, GiB; 64MiB by default", () => {
  expect(load({ env: required }).bufferBytes).toBe(64 * 1024 * 1024);
  expect(load({ env: { ...required, BUFFER_BYTES: "512KiB" } }).bufferBytes).toBe(512 * 1024);
  expect(load({ env: { ...required, BUFFER_BYTES: "4194304" } }).bufferBytes).toBe(4194304);
  expect(problemsOf({ env: { ...required, BUFFER_BYTES: "64MB" } })).toEqual([
    'BUFFER_BYTES="64MB": expected a size like 67108864, 512KiB, 64MiB or 1GiB',
  ]);
  expect(problemsOf({ env: { ...required, BUFFER_BYTES: "0" } })).toEqual(['BUFFER_BYTES="0": expected a size above 0']);
});
