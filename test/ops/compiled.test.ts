// The ops modules inside a `bun build --compile` binary, where pino transports (worker threads
// started from a file path) would not work: pretty and JSON logs, the server and its metrics.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ops = join(import.meta.dir, "../../src/ops");
const dir = mkdtempSync(join(tmpdir(), "ops-compiled-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = join(dir, "entry.ts");
writeFileSync(
  entry,
  `import { createLogger } from ${JSON.stringify(join(ops, "logger.ts"))};
import { createMetrics } from ${JSON.stringify(join(ops, "metrics.ts"))};
import { startOpsServer } from ${JSON.stringify(join(ops, "server.ts"))};
const log = createLogger({ env: process.argv[2] as "development" | "production", level: "info", serviceName: "compiled" });
log.info({ tick_count: 250, first_tick: 12345n }, "Wrote batch to TimescaleDB");
log.error({ err: new Error("boom", { cause: new Error("the cause") }) }, "failed");
const metrics = createMetrics();
metrics.reconnects.inc();
const server = await startOpsServer({ host: "127.0.0.1", port: 0, metrics, health: () => ({ ok: true }), ready: async () => ({ state: "ready" }) });
const base = "http://127.0.0.1:" + server.port;
const [health, page] = await Promise.all([fetch(base + "/health").then((r) => r.text()), fetch(base + "/metrics").then((r) => r.text())]);
await server.stop();
log.info({ health, reconnects: page.match(/^tick_ingester_grpc_reconnects_total .*$/m)?.[0], memory: /^process_resident_memory_bytes \\d+/m.test(page) }, "served");
`,
);
const binary = join(dir, "ops");
const build = Bun.spawnSync(["bun", "build", "--compile", entry, "--outfile", binary], { stdout: "pipe", stderr: "pipe" });

const run = (env: string) => {
  const result = Bun.spawnSync([binary, env], { cwd: dir, env: { PATH: process.env.PATH! }, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
};

test("the entry compiles", () => {
  expect(build.stderr.toString()).toBe("");
  expect(build.exitCode).toBe(0);
});

test("development logs are pretty lines, causes included", () => {
  const { code, stdout, stderr } = run("development");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toMatch(/INFO.*Wrote batch to TimescaleDB/);
  expect(stdout).toContain('first_tick: "12345"');
  expect(stdout).toContain("caused by: Error: the cause");
});

test("production logs are JSON lines; the server answers /health and /metrics", () => {
  const { code, stdout, stderr } = run("production");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const records = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(records.map((r) => [r.level, r.msg])).toEqual([
    ["info", "Wrote batch to TimescaleDB"],
    ["error", "failed"],
    ["info", "served"],
  ]);
  expect(records[0].first_tick).toBe("12345");
  expect(records[2]).toMatchObject({ health: '{"status":"ok"}', reconnects: "tick_ingester_grpc_reconnects_total 1", memory: true });
});
