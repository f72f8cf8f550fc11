// The compiled binary as deployed: `bin/tick-ingester run --migrate` starts its Worker threads
// from inside the binary, ingests, and stops cleanly on SIGTERM.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { buildBinary } from "../scripts/build.ts";
import { simulatorDefaults, startSimulator } from "../src/simulator/index.ts";
import { waitForCheckpoint } from "./support/ingester.ts";
import { freshDatabase } from "./support/postgres.ts";

const FIRST = 51_548_050_841n;
const COUNT = 2_000n;
const dir = mkdtempSync(join(tmpdir(), "tick-ingester-binary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the compiled binary migrates, ingests with its workers and shuts down on SIGTERM", async () => {
  const binary = join(dir, "tick-ingester");
  await buildBinary(binary);
  const sim = await startSimulator(simulatorDefaults({ rate: 0, firstTick: FIRST, stopAt: FIRST + COUNT - 1n }));
  const databaseUrl = await freshDatabase();
  const proc = Bun.spawn([binary, "run", "--migrate"], {
    cwd: dir,
    env: { PATH: process.env.PATH!, CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: databaseUrl, START_TICK: FIRST.toString(), HEALTH_CHECK_PORT: "0", WORKER_COUNT: "2", ENV: "production" },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    await waitForCheckpoint(databaseUrl, "tick-ingester", FIRST + COUNT, 30_000);
    proc.kill("SIGTERM");
    const [code, output] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect({ code, died: output.includes("died") }).toEqual({ code: 0, died: false });
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const [row] = await sql`SELECT count(*)::int AS ticks FROM ticks`;
    await sql.end();
    expect(row!.ticks).toBe(Number(COUNT));
  } finally {
    proc.kill("SIGKILL");
    await sim.stop();
  }
}, 60_000);
