// The operations HTTP server on HEALTH_CHECK_HOST:HEALTH_CHECK_PORT: /health (is every part
// alive), /ready (can it do its job now) and /metrics (Prometheus text format).
import { errorMessage } from "../common/errors.ts";
import type { Metrics } from "./metrics.ts";
import type { ReadyReport } from "./readiness.ts";

export type HealthReport = { ok: true } | { ok: false; reasons: string[] };

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  health: () => HealthReport;
  ready: () => Promise<ReadyReport>;
  /** Where /ready's details go (the logs): its body names only the failed checks. */
  onNotReady?: (report: Exclude<ReadyReport, { state: "ready" }>) => void;
}

export interface OpsServer {
  /** The port it listens on (the chosen one when asked for port 0). */
  port: number;
  stop(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const routes: Record<string, () => Promise<Response>> = {
    "/health": async () => healthResponse(options.health),
    "/ready": async () => readyResponse(options.ready, options.onNotReady ?? (() => {})),
    "/metrics": async () =>
      new Response(await options.metrics.registry.metrics(), {
        headers: { "content-type": options.metrics.registry.contentType },
      }),
  };
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: options.host,
      port: options.port,
      async fetch(request) {
        const route = routes[new URL(request.url).pathname];
        if (!route) return json(404, { status: "not_found", paths: Object.keys(routes) });
        if (request.method !== "GET" && request.method !== "HEAD") {
          return json(405, { status: "method_not_allowed" }, { allow: "GET, HEAD" });
        }
        return route();
      },
      error: (error) => json(500, { status: "error", reason: error.message }),
    });
  } catch (error) {
    throw new Error(
      `the health check server cannot listen on ${options.host}:${options.port} ` +
        `(HEALTH_CHECK_HOST, HEALTH_CHECK_PORT): ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return {
    port: server.port!,
    stop: () => server.stop(true),
  };
}

function healthResponse(health: () => HealthReport): Response {
  let report: HealthReport;
  try {
    report = health();
  } catch (error) {
    report = { ok: false, reasons: [`the health check failed: ${errorMessage(error)}`] };
  }
  return report.ok ? json(200, { status: "ok" }) : json(503, { status: "unhealthy", reasons: report.reasons });
}

// The health port is often reachable by more than the operators (0.0.0.0 by default): the body
// says which check failed, never the database's host, a driver's error text or the lock holder.
async function readyResponse(
  ready: () => Promise<ReadyReport>,
  onNotReady: NonNullable<OpsServerOptions["onNotReady"]>,
): Promise<Response> {
  let report: ReadyReport;
  try {
    report = await ready();
  } catch (error) {
    report = { state: "not_ready", failed: { readiness: `the readiness check failed: ${errorMessage(error)}` } };
  }
  if (report.state === "ready") return json(200, { status: "ready" });
  onNotReady(report);
  return report.state === "standby"
    ? json(503, { status: "standby" })
    : json(503, { status: "not_ready", checks: Object.keys(report.failed) });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
