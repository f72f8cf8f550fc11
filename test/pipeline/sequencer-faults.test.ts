// The ingester against a sequencer that misbehaves beyond the tick numbers: GetTick refused,
// timestamps that retention or the lag would get wrong. The ingester is a separate process; the
// sequencer is the simulator over loopback.
import { afterEach, expect, test } from "bun:test";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { metricsPage, spawnIngester, waitForCheckpoint, type IngesterProcess } from "../support/processes.ts";

const FIRST = 51_548_050_841n;

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

async function waitForOutput(proc: IngesterProcess, text: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output().includes(text)) {
    if (proc.proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`no "${text}" in the ingester's output (exit code ${proc.proc.exitCode}):\n${proc.output()}`);
    await Bun.sleep(50);
  }
}

function ingester(env: Record<string, string>): IngesterProcess {
  const proc = spawnIngester({ START_TICK: FIRST.toString(), WORKER_COUNT: "1", ...env });
  cleanup.push(async () => {
    proc.proc.kill("SIGKILL");
    await proc.exited;
  });
  return proc;
}

const healthPort = (proc: IngesterProcess) => Number(/health_port"?: ?(\d+)/.exec(proc.output())![1]);

test("GetTick refused during a backfill: logged, counted, and /ready says so", async () => {
  const sim = await startSimulator(
    simulatorDefaults({ rate: 0, firstTick: FIRST, stopAt: FIRST + 999n, seed: 7, faults: { omit: [FIRST + 100n], refuseGetTick: true } }),
  );
  cleanup.push(() => sim.stop());
  const proc = ingester({ CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: await migratedDatabase(), SERVICE_NAME: "get-tick-refused" });
  await waitForOutput(proc, "Ingester started");
  await waitForOutput(proc, "GetTick failed (will retry; ingestion waits for it)");
  expect(proc.output()).toMatch(/code"?: ?"PERMISSION_DENIED"/);
  const base = `http://127.0.0.1:${healthPort(proc)}`;
  const ready = await fetch(`${base}/ready`);
  expect(ready.status).toBe(503);
  // The body names the check; the details are in the log line the request wrote.
  const body = (await ready.json()) as { checks: string[] };
  expect(body.checks).toContain("get_tick");
  await waitForOutput(proc, "Not ready");
  expect(proc.output()).toMatch(/GetTick failing for [^\n]*PERMISSION_DENIED: GetTick is not allowed for this client/);
  expect(await metricsPage(healthPort(proc))).toMatch(/tick_ingester_get_tick_failures_total\{code="PERMISSION_DENIED"\} [1-9]/);
}, 60_000);

test("timestamps of 0, older than RETAIN_FOR and in the future: stored, counted, logged once each; the future does not hide the lag", async () => {
  const count = 400n;
  const eightDaysAgo = (BigInt(Date.now()) - 8n * 86_400_000n) * 1000n;
  const sim = await startSimulator(
    simulatorDefaults({
      rate: 0,
      firstTick: FIRST,
      stopAt: FIRST + count - 1n,
      genesisTime: eightDaysAgo,
      seed: 7,
      faults: {
        hostile: [
          { tick: FIRST + 5n, kind: "zero-timestamp" },
          { tick: FIRST + 10n, kind: "future-timestamp" },
        ],
      },
    }),
  );
  cleanup.push(() => sim.stop());
  const db = await migratedDatabase();
  const proc = ingester({
    CONTINUUM_GRPC_URL: sim.address,
    DATABASE_URL: db,
    SERVICE_NAME: "untimely",
    RETAIN_FOR: "7 days",
    READY_MAX_LAG: "1m",
  });
  await waitForCheckpoint(db, "untimely", FIRST + count, 30_000, proc);
  const output = proc.output();
  for (const message of ["Tick timestamp is 0", "Tick timestamp is older than RETAIN_FOR", "Tick timestamp is in the future"]) {
    expect(output.split(message).length - 1).toBe(1);
  }
  const base = `http://127.0.0.1:${healthPort(proc)}`;
  const metrics = await metricsPage(healthPort(proc));
  expect(metrics).toContain('tick_ingester_untimely_ticks_total{kind="zero"} 1');
  expect(metrics).toContain('tick_ingester_untimely_ticks_total{kind="future"} 1');
  expect(metrics).toContain(`tick_ingester_untimely_ticks_total{kind="expired"} ${count - 2n}`);
  const ready = (await (await fetch(`${base}/ready`)).json()) as { checks?: string[] };
  expect(ready.checks).toContain("lag");
  await waitForOutput(proc, "Not ready");
  expect(proc.output()).toMatch(/\d+(\.\d+)?s behind the stream \(limit 60s\)/);
}, 60_000);
