// The operations server over a real socket, answering as the README shows.
import { afterEach, expect, test } from "bun:test";
import { createServer } from "node:net";
import { createMetrics } from "../../src/ops/metrics.ts";
import type { ReadyReport } from "../../src/ops/readiness.ts";
import { startOpsServer, type HealthReport, type OpsServer } from "../../src/ops/server.ts";

const started: OpsServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

async function serve(health: () => HealthReport, ready: () => Promise<ReadyReport>) {
  const metrics = createMetrics();
  const server = await startOpsServer({ host: "127.0.0.1", port: 0, metrics, health, ready });
  started.push(server);
  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, init);
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
  };
  return { server, metrics, get };
}

const healthy = () => ({ ok: true }) as const;
const ready = async () => ({ state: "ready" }) as const;

test("/health and /ready answer exactly the README's bodies when all is well", async () => {
  const { get } = await serve(healthy, ready);
  expect(await get("/health")).toEqual({ status: 200, type: "application/json", body: '{"status":"ok"}' });
  expect(await get("/ready")).toEqual({ status: 200, type: "application/json", body: '{"status":"ready"}' });
});

test("/health is 503 with the reasons when a worker died", async () => {
  const { get } = await serve(() => ({ ok: false, reasons: ["writer worker 3 exited with code 1", "pipeline wedged for 60s"] }), ready);
  const response = await get("/health");
  expect(response.status).toBe(503);
  expect(JSON.parse(response.body)).toEqual({
    status: "unhealthy",
    reasons: ["writer worker 3 exited with code 1", "pipeline wedged for 60s"],
  });
});

test("/ready is 503 naming every failed check, with the details for the logs only", async () => {
  const failed = { database: "db.internal:5432: password authentication failed for user ingest", stream: "not connected yet" };
  const logged: unknown[] = [];
  const metrics = createMetrics();
  const server = await startOpsServer({
    host: "127.0.0.1",
    port: 0,
    metrics,
    health: healthy,
    ready: async () => ({ state: "not_ready", failed }),
    onNotReady: (report) => logged.push(report),
  });
  const response = await fetch(`http://127.0.0.1:${server.port}/ready`);
  await server.stop();
  expect(response.status).toBe(503);
  const body = await response.text();
  expect(JSON.parse(body)).toEqual({ status: "not_ready", checks: ["database", "stream"] });
  expect(body).not.toContain("db.internal");
  expect(logged).toEqual([{ state: "not_ready", failed }]);
});

test("/ready in standby is 503 and does not name the holder", async () => {
  const { get } = await serve(healthy, async () => ({ state: "standby", reason: "another instance holds the lock (held by host-a:123)" }));
  const response = await get("/ready");
  expect(response.status).toBe(503);
  expect(JSON.parse(response.body)).toEqual({ status: "standby" });
});

test("a check that throws is a 503 with its message, not a crash", async () => {
  const { get } = await serve(
    () => {
      throw new Error("worker table missing");
    },
    async () => {
      throw new Error("probe exploded");
    },
  );
  const health = await get("/health");
  expect(health.status).toBe(503);
  expect(JSON.parse(health.body).reasons[0]).toContain("worker table missing");
  const readiness = await get("/ready");
  expect(readiness.status).toBe(503);
  expect(JSON.parse(readiness.body).checks).toEqual(["readiness"]);
});

test("/metrics serves the Prometheus text format with the four named metrics and live values", async () => {
  const { get, metrics } = await serve(healthy, ready);
  metrics.ticks.inc({ status: "success" }, 250);
  metrics.bufferSize.set(42);
  metrics.writeDuration.observe(0.012);
  metrics.reconnects.inc();
  const response = await get("/metrics");
  expect(response.status).toBe(200);
  expect(response.type).toStartWith("text/plain; version=0.0.4");
  expect(response.body).toContain('tick_ingester_ticks_total{status="success"} 250');
  expect(response.body).toContain('tick_ingester_ticks_total{status="error"} 0');
  expect(response.body).toContain("tick_ingester_buffer_size 42");
  expect(response.body).toContain("tick_ingester_write_duration_seconds_count 1");
  expect(response.body).toContain("tick_ingester_grpc_reconnects_total 1");
});

test("other paths are 404 and other methods 405", async () => {
  const { get } = await serve(healthy, ready);
  expect((await get("/")).status).toBe(404);
  expect((await get("/healthz")).status).toBe(404);
  const post = await get("/health", { method: "POST" });
  expect(post.status).toBe(405);
});

test("stop() closes the port", async () => {
  const { server, get } = await serve(healthy, ready);
  expect((await get("/health")).status).toBe(200);
  await server.stop();
  started.splice(started.indexOf(server), 1);
  await expect(get("/health")).rejects.toThrow();
});

test("a port in use is an error naming the address and the variables", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const { port } = blocker.address() as { port: number };
  try {
    const attempt = startOpsServer({ host: "127.0.0.1", port, metrics: createMetrics(), health: healthy, ready });
    await expect(attempt).rejects.toThrow(`127.0.0.1:${port} (HEALTH_CHECK_HOST, HEALTH_CHECK_PORT)`);
  } finally {
    blocker.close();
  }
});
