// bin/tick-ingester as users get it: built by `bun run build`, run from another directory, its
// Workers included, ingesting from its own simulator into a real database.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "./support/postgres.ts";
import { openSql, spawnIngester, spawnSimulator } from "./support/processes.ts";

const root = join(import.meta.dir, "..");
const binary = join(root, "bin/tick-ingester");
const elsewhere = mkdtempSync(join(tmpdir(), "binary-"));
const running: Bun.Subprocess[] = [];
afterAll(() => running.forEach((p) => p.kill("SIGKILL")));

test("the built binary migrates, simulates and ingests from any directory", async () => {
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: root, stdout: "pipe", stderr: "pipe" });
  expect({ code: build.exitCode, stderr: build.exitCode === 0 ? "" : build.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  const db = await freshDatabase();
  const run = (args: string[]) =>
    Bun.spawn([binary, ...args], { cwd: elsewhere, env: { PATH: process.env.PATH! }, stdout: "pipe", stderr: "pipe" });

  expect(await run(["migrate", "--database-url", db]).exited).toBe(0);
  const simulator = await spawnSimulator(["--rate", "0", "--first-tick", "1000", "--stop-at", "2999"], {
    command: [binary],
    cwd: elsewhere,
  });
  running.push(simulator.proc);
  const { address } = simulator;

  const flags = [
    "--continuum-grpc-url",
    address,
    "--database-url",
    db,
    "--start-tick",
    "1000",
    "--health-check-port",
    "0",
    "--worker-count",
    "2",
  ];
  const ingester = spawnIngester({}, flags, [binary], { cwd: elsewhere });
  running.push(ingester.proc);
  // Each replaced itself once, in place, to size its heaps (src/cli/heap-sizing.ts).
  expect(readFileSync(`/proc/${simulator.proc.pid}/environ`, "utf8").split("\0")).toContain("BUN_JSC_forceRAMSize=268435456");
  const sql = openSql(db);
  try {
    const deadline = Date.now() + 30_000;
    let next = "";
    while (next !== "3000" && Date.now() < deadline) {
      await Bun.sleep(200);
      next = (await sql`SELECT next_tick::text FROM ingest_checkpoints`)[0]?.next_tick ?? "";
    }
    expect(next).toBe("3000");
    const [row] = await sql`SELECT count(*)::int AS n FROM ticks`;
    expect(row!.n).toBe(2000);
  } finally {
    await sql.end();
  }
  ingester.proc.kill("SIGTERM");
  expect(await ingester.exited).toBe(0);
}, 60_000);
