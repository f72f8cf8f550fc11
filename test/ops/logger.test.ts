// The logger as an operator reads it: JSON lines in production, pretty lines in development
// (test/ops/compiled.test.ts: also inside a compiled binary), no passwords, exact tick numbers.
import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { createLogger } from "../../src/ops/logger.ts";

function capture() {
  let text = "";
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { destination, text: () => text, lines: () => text.split("\n").filter((line) => line !== "") };
}

const URL_WITH_PASSWORD = "postgres://ingest:s3cret-pw@db.example:5432/ticks";

test("production prints one JSON object per line with the README's level, timestamp and msg", () => {
  const out = capture();
  const log = createLogger({ env: "production", level: "info", serviceName: "tick-ingester", destination: out.destination });
  log.debug("below the level");
  log.info({ tick_count: 250, first_tick: 12345n, last_tick: 12594n }, "Wrote batch to TimescaleDB");
  log.warn("Stream error (will reconnect)");

  const records = out.lines().map((line) => JSON.parse(line));
  expect(records).toHaveLength(2);
  for (const record of records) {
    expect(typeof record.level).toBe("string");
    expect(new Date(record.timestamp).toISOString()).toBe(record.timestamp);
    expect(typeof record.msg).toBe("string");
  }
  expect(records[0]).toMatchObject({
    level: "info",
    msg: "Wrote batch to TimescaleDB",
    tick_count: 250,
    first_tick: "12345",
    last_tick: "12594",
    service: "tick-ingester",
  });
  expect(records[1].level).toBe("warn");
});

test("bigint fields are exact strings of digits, also nested and above 2^64/2", () => {
  const out = capture();
  const log = createLogger({ env: "production", level: "info", serviceName: "s", destination: out.destination });
  const max = 18_446_744_073_709_551_615n;
  log.child({ stream_from: 9_007_199_254_740_993n }).info({ last_tick: max, range: { first: max - 1n }, ticks: [1n, 2n] }, "x");
  const record = JSON.parse(out.lines()[0]!);
  expect(record.last_tick).toBe("18446744073709551615");
  expect(record.range.first).toBe("18446744073709551614");
  expect(record.ticks).toEqual(["1", "2"]);
  expect(record.stream_from).toBe("9007199254740993");
});

test("a database URL never shows its password, wherever it is logged", () => {
  const out = capture();
  const log = createLogger({ env: "production", level: "info", serviceName: "s", destination: out.destination });
  log.info({ databaseUrl: URL_WITH_PASSWORD }, "configured");
  log.info({ config: { DATABASE_URL: URL_WITH_PASSWORD, password: "s3cret-pw" } }, "nested");
  log.info({ target: URL_WITH_PASSWORD }, "under any key");
  log.info(`connecting to ${URL_WITH_PASSWORD}`);
  log.info({ conninfo: "host=db user=ingest password=s3cret-pw dbname=ticks" }, "keyword form");

  expect(out.text()).not.toContain("s3cret-pw");
  const records = out.lines().map((line) => JSON.parse(line));
  expect(records[0].databaseUrl).toBe("postgres://ingest:***@db.example:5432/ticks");
  expect(records[1].config.DATABASE_URL).toBe("postgres://ingest:***@db.example:5432/ticks");
  expect(records[2].target).toBe("postgres://ingest:***@db.example:5432/ticks");
  expect(records[3].msg).toBe("connecting to postgres://ingest:***@db.example:5432/ticks");
  expect(records[4].conninfo).toBe("host=db user=ingest password=*** dbname=ticks");
});

test("an error is logged with its cause, its code and no password", () => {
  const out = capture();
  const log = createLogger({ env: "production", level: "info", serviceName: "s", destination: out.destination });
  const cause = Object.assign(new Error(`connection to ${URL_WITH_PASSWORD} refused`), { code: "ECONNREFUSED" });
  log.error({ err: new Error("Failed to connect to database", { cause }) }, "startup failed");
  log.error(Object.assign(new Error("write failed"), { code: "57P01" }));

  expect(out.text()).not.toContain("s3cret-pw");
  const [first, second] = out.lines().map((line) => JSON.parse(line));
  expect(first.err.message).toContain("Failed to connect to database");
  expect(first.err.message).toContain("connection to postgres://ingest:***@db.example:5432/ticks refused");
  expect(first.err.stack).toContain("caused by: Error: connection to");
  expect(second).toMatchObject({ level: "error", msg: "write failed", err: { code: "57P01", type: "Error" } });
});

test("development prints readable lines, not JSON", () => {
  const out = capture();
  const log = createLogger({ env: "development", level: "debug", serviceName: "s", destination: out.destination });
  log.debug({ tick_count: 250, first_tick: 12345n }, "Wrote batch to TimescaleDB");
  const text = out.text();
  expect(text).toContain("Wrote batch to TimescaleDB");
  expect(text).toMatch(/DEBUG/);
  expect(text).toContain('first_tick: "12345"');
  expect(() => JSON.parse(out.lines()[0]!)).toThrow();
});

test("LOG_LEVEL's values are accepted and filter", () => {
  const out = capture();
  const log = createLogger({ env: "production", level: "warn", serviceName: "s", destination: out.destination });
  log.info("hidden");
  log.error("shown");
  expect(out.lines().map((line) => JSON.parse(line).msg)).toEqual(["shown"]);
});
