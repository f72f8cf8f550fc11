// The binary `bun run build` makes, doing its real work: its Workers start from inside the
// bundle and the ticks come out (console mode, so no database is needed).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../scripts/build.ts";
import { startSimulator } from "../src/simulator/index.ts";
import { spawnIngester } from "./support/ingester.ts";

const dir = mkdtempSync(join(tmpdir(), "tick-ingester-binary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIRST = 51_548_050_841n;

test("the compiled binary runs its pipeline Workers and prints every tick", async () => {
  const binary = join(dir, "tick-ingester");
  await buildBinary(binary);
  const count = 500;
  const sim = await startSimulator({ rate: 0, firstTick: FIRST, stopAt: FIRST + BigInt(count - 1) });
  const proc = spawnIngester(
    { CONTINUUM_GRPC_URL: sim.address, OUTPUT_MODE: "console", OUTPUT_FORMAT: "compact", START_TICK: FIRST.toString(), WORKER_COUNT: "2" },
    ["run"],
    [binary],
  );
  try {
    const lines = () => proc.output().split("\n").filter((l) => l.startsWith('{"tickNumber"'));
    const deadline = Date.now() + 30_000;
    const failed = () => proc.output().includes("fatal error") || proc.proc.exitCode !== null;
    while (lines().length < count && Date.now() < deadline && !failed()) await Bun.sleep(100);
    expect(proc.output()).not.toContain("fatal error");
    expect(lines().map((l) => JSON.parse(l).tickNumber)).toEqual(Array.from({ length: count }, (_, i) => (FIRST + BigInt(i)).toString()));
  } finally {
    proc.proc.kill("SIGTERM");
    await proc.exited;
    await sim.stop();
  }
}, 60_000);
