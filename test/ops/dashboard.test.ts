// The Grafana dashboard: valid JSON, valid PromQL (checked by promtool), and every metric it
// queries is one the service exports.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMetrics } from "../../src/ops/metrics.ts";

interface Panel {
  title: string;
  targets: { expr: string }[];
}

const dashboard = await Bun.file(join(import.meta.dir, "../../deploy/grafana/tick-ingester.json")).json();
const panels: Panel[] = dashboard.panels;
const expressions = panels.flatMap((panel) => panel.targets.map((target) => target.expr));
// Grafana fills these in before Prometheus sees the query.
const asPrometheusSees = (expr: string) => expr.replaceAll("$__rate_interval", "1m").replaceAll("$instance", ".*");

test("every panel's query is valid PromQL (`promtool check rules`)", async () => {
  const promtool = Bun.which("promtool");
  if (!promtool) {
    throw new Error("promtool is missing: install it with `apt-get update && apt-get install -y prometheus` (.ci/run does)");
  }
  const dir = mkdtempSync(join(tmpdir(), "ops-dashboard-"));
  try {
    const rules = expressions.map(
      (expr, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(asPrometheusSees(expr))}`,
    );
    const file = join(dir, "rules.yml");
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}\n`);
    const check = Bun.spawnSync([promtool, "check", "rules", file], { stdout: "pipe", stderr: "pipe" });
    expect(check.stderr.toString()).toBe("");
    expect(check.stdout.toString()).toContain(`SUCCESS: ${expressions.length} rules found`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every metric the dashboard queries is exported by the service", async () => {
  const page = await createMetrics().registry.metrics();
  const exported = new Set([...page.matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]));
  const queried = new Set(expressions.flatMap((expr) => [...expr.matchAll(/\b((?:tick_ingester|process|nodejs)_\w+)/g)].map((m) => m[1]!)));
  for (const name of queried) {
    expect({ name, exported: exported.has(name.replace(/_(bucket|sum|count)$/, "")) }).toEqual({ name, exported: true });
  }
});

test("the panels cover throughput, lag, buffer, write time, data faults, reconnects and memory", () => {
  const all = expressions.join("\n");
  for (const metric of [
    "tick_ingester_ticks_total",
    "tick_ingester_commit_lag_seconds",
    "tick_ingester_buffer_size",
    "tick_ingester_buffer_capacity",
    "tick_ingester_write_duration_seconds_bucket",
    "tick_ingester_rejects_total",
    "tick_ingester_gap_ticks_total",
    "tick_ingester_chain_breaks_total",
    "tick_ingester_grpc_reconnects_total",
    "process_resident_memory_bytes",
  ]) {
    expect(all).toContain(metric);
  }
  expect(new Set(panels.map((panel) => panel.title)).size).toBe(panels.length);
});
