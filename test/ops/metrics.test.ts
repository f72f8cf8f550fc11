// The /metrics page: every metric an operator needs, and valid by Prometheus's own checker.
import v8 from "node:v8";
import { afterAll, expect, spyOn, test } from "bun:test";
import { Counter } from "prom-client";
import { createMetrics } from "../../src/ops/metrics.ts";
import { startOpsServer } from "../../src/ops/server.ts";

const metrics = createMetrics();
metrics.ticks.inc({ status: "success" }, 250);
metrics.ticks.inc({ status: "error" }, 1);
metrics.bufferSize.set(120);
metrics.bufferCapacity.set(10_000);
metrics.writeDuration.observe(0.018);
metrics.reconnects.inc();
metrics.lastCommittedTick.set(Number(51_548_050_841n));
metrics.commitLag.observe(0.042);
metrics.rows.inc({ table: "ticks" }, 250);
metrics.rows.inc({ table: "tick_transactions" }, 3);
metrics.batchSize.observe(250);
metrics.rejects.inc({ reason: "decode_error" });
metrics.gapTicks.inc(5);
metrics.chainBreaks.inc(1);
metrics.duplicates.inc(250);
metrics.writeRetries.inc();

const server = await startOpsServer({
  host: "127.0.0.1",
  port: 0,
  metrics,
  health: () => ({ ok: true }),
  ready: async () => ({ state: "ready" }),
});
afterAll(() => server.stop());

const page = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();

test("/metrics passes `promtool check metrics`", async () => {
  const promtool = Bun.which("promtool");
  if (!promtool) {
    throw new Error("promtool is missing: install it with `apt-get update && apt-get install -y prometheus` (.ci/run does)");
  }
  const check = Bun.spawn([promtool, "check", "metrics"], { stdin: new TextEncoder().encode(page), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(check.stdout).text(), new Response(check.stderr).text(), check.exited]);
  expect(`${out}${err}`.trim()).toBe("");
  expect(code).toBe(0);
}, 30_000); // promtool's first start on a busy machine was seen to take 10 s

test("the four named metrics and the operator's metrics are there with their values", () => {
  const expected = [
    'tick_ingester_ticks_total{status="success"} 250',
    'tick_ingester_ticks_total{status="error"} 1',
    "tick_ingester_buffer_size 120",
    "tick_ingester_write_duration_seconds_count 1",
    "tick_ingester_grpc_reconnects_total 1",
    "tick_ingester_buffer_capacity 10000",
    "tick_ingester_last_committed_tick 51548050841",
    'tick_ingester_commit_lag_seconds_bucket{le="0.05"} 1',
    "tick_ingester_last_commit_lag_seconds 0.042",
    'tick_ingester_rows_total{table="ticks"} 250',
    'tick_ingester_rows_total{table="vdf_proofs"} 0',
    'tick_ingester_rows_total{table="tick_transactions"} 3',
    'tick_ingester_batch_size_ticks_bucket{le="250"} 1',
    'tick_ingester_rejects_total{reason="decode_error"} 1',
    "tick_ingester_gap_ticks_total 5",
    "tick_ingester_chain_breaks_total 1",
    "tick_ingester_duplicates_skipped_total 250",
    "tick_ingester_write_retries_total 1",
    "process_resident_memory_bytes ",
  ];
  const lines = page.split("\n");
  for (const line of expected) expect(lines.some((l) => l.startsWith(line))).toBe(true);
  expect(page).toMatch(/^tick_ingester_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
});

test("each createMetrics() has its own registry", async () => {
  const other = createMetrics();
  other.reconnects.inc(7);
  expect(await other.registry.metrics()).toContain("tick_ingester_grpc_reconnects_total 7");
  expect(await metrics.registry.metrics()).toContain("tick_ingester_grpc_reconnects_total 1");
});

test("a scrape does not walk the heap (Bun's heap space statistics stall the stream's thread for tens of ms)", async () => {
  const spaces = spyOn(v8, "getHeapSpaceStatistics");
  const heap = spyOn(v8, "getHeapStatistics");
  await metrics.registry.metrics();
  expect(spaces).not.toHaveBeenCalled();
  expect(heap).not.toHaveBeenCalled();
  expect(page).toContain("nodejs_heap_size_used_bytes ");
});

test("untimely ticks, counted per tick, cost no prom-client call each; a scrape shows every one, once", async () => {
  const fresh = createMetrics();
  const inc = spyOn(Counter.prototype, "inc");
  for (let i = 0; i < 1000; i++) fresh.untimelyTicks.inc("future");
  fresh.untimelyTicks.inc("zero");
  expect(inc).not.toHaveBeenCalled();
  inc.mockRestore();
  for (let scrape = 0; scrape < 2; scrape++) {
    const page = await fresh.registry.metrics();
    expect(page).toContain('tick_ingester_untimely_ticks_total{kind="future"} 1000');
    expect(page).toContain('tick_ingester_untimely_ticks_total{kind="zero"} 1');
  }
});
