// The ingester against a sequencer that misbehaves outside the tick stream: GetTick refused.
// The ingester is a separate process; the sequencer is the simulator over loopback.
import { afterEach, expect, test } from "bun:test";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { spawnIngester, type IngesterProcess } from "../support/ingester.ts";

const FIRST = 51_548_050_841n;

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

async function waitForOutput(proc: IngesterProcess, text: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output().includes(text)) {
    if (proc.proc.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in the ingester's output (exit code ${proc.proc.exitCode}):\n${proc.output()}`);
    await Bun.sleep(50);
  }
}

const healthPort = (proc: IngesterProcess) => Number(/health_port"?: ?(\d+)/.exec(proc.output())![1]);

test("GetTick refused during a backfill: logged, counted, and /ready says so", async () => {
  const sim = await startSimulator(
    simulatorDefaults({ rate: 0, firstTick: FIRST, stopAt: FIRST + 999n, seed: 7, faults: { omit: [FIRST + 100n], refuseGetTick: true } }),
  );
  cleanup.push(() => sim.stop());
  const proc = spawnIngester({
    CONTINUUM_GRPC_URL: sim.address,
    DATABASE_URL: await migratedDatabase(),
    SERVICE_NAME: "get-tick-refused",
    START_TICK: FIRST.toString(),
    WORKER_COUNT: "1",
  });
  cleanup.push(async () => {
    proc.proc.kill("SIGKILL");
    await proc.exited;
  });
  await waitForOutput(proc, "Ingester started");
  await waitForOutput(proc, "GetTick failed (will retry; ingestion waits for it)");
  expect(proc.output()).toMatch(/code"?: ?"PERMISSION_DENIED"/);
  const base = `http://127.0.0.1:${healthPort(proc)}`;
  const ready = await fetch(`${base}/ready`);
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { checks: Record<string, string> };
  expect(body.checks.get_tick).toStartWith("GetTick failing for ");
  expect(body.checks.get_tick).toContain("PERMISSION_DENIED: GetTick is not allowed for this client");
  expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/tick_ingester_get_tick_failures_total\{code="PERMISSION_DENIED"\} [1-9]/);
}, 60_000);
