// `tick-ingester run`: the ingester with its logs, metrics and health endpoints, until a signal.
import type postgres from "postgres";
import type { IngesterConfig } from "../config/ingester.ts";
import { databaseOptions, type IngesterStatus } from "../pipeline/ingester-contract.ts";
import { Ingester } from "../pipeline/ingester.ts";
import { SchemaMissing } from "../sink/database.ts";
import { consoleHeader } from "../sink/console-writer.ts";
import { createLogger } from "../ops/logger.ts";
import { createMetrics } from "../ops/metrics.ts";
import { lagSeconds, observeIngester } from "../ops/pipeline-observer.ts";
import { probeDatabase } from "../ops/probe-database.ts";
import { evaluateReadiness, STANDBY_REASON } from "../ops/readiness.ts";
import { startOpsServer, type HealthReport } from "../ops/server.ts";
import { describeMigration, migrate } from "../schema/migrate.ts";
import { connect } from "../sink/database.ts";

const SAMPLE_INTERVAL_MS = 1_000;
const SUMMARY_INTERVAL_MS = 10_000;

export async function run(config: IngesterConfig): Promise<number> {
  // First of all, so that a signal during start-up stops the start rather than the process.
  const stopping = new AbortController();
  const stopSignal = new Promise<string>((resolve) => {
    const stop = (signal: string) => {
      stopping.abort();
      resolve(signal);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  const consoleMode = config.outputMode === "console";
  // In console mode stdout carries the ticks, so the logs go to stderr.
  const logger = createLogger({
    env: config.env,
    level: config.logLevel,
    serviceName: config.serviceName,
    destination: consoleMode ? process.stderr : process.stdout,
  });
  const metrics = createMetrics();
  let standbyHolder: string | undefined;
  const observer = observeIngester({
    logger,
    metrics,
    bufferCapacity: config.bufferSize,
    summaryIntervalMs: SUMMARY_INTERVAL_MS,
    batchMessage: consoleMode ? "Printed batch" : "Wrote batch to TimescaleDB",
    print: consoleMode ? orderedPrinter(consoleHeader(config.outputFormat)) : undefined,
    onStandby: (holder) => (standbyHolder = holder),
  });

  let probeSql: postgres.Sql | undefined;
  try {
    probeSql = config.databaseUrl && !consoleMode ? connect(config.databaseUrl, "probe", databaseOptions(config)) : undefined;
  } catch (error) {
    logger.error({ reason: (error as Error).message }, "Failed to start");
    return 1;
  }
  const probe = async () => (probeSql ? await probeDatabase(probeSql, 1_000) : true);
  let ingester: Ingester | undefined;
  let lastNotReady: string | undefined;
  const ops = await startOpsServer({
    host: config.healthCheckHost,
    port: config.healthCheckPort,
    metrics,
    health: () => (ingester ? healthOf(ingester.status(), config.batchStuckAfter) : { ok: true }),
    onNotReady: (report) => {
      // Logged when the reasons change, not at every probe.
      const details = JSON.stringify(report);
      if (details === lastNotReady) return;
      lastNotReady = details;
      logger.warn(report.state === "standby" ? { reason: report.reason } : { checks: report.failed }, "Not ready");
    },
    ready: async () => {
      if (!ingester) {
        return standbyHolder
          ? { state: "standby", reason: `${STANDBY_REASON} (held by ${standbyHolder})` }
          : { state: "not_ready", failed: { pipeline: "starting" } };
      }
      const status = ingester.status();
      return evaluateReadiness(
        {
          databaseReachable: await probe(),
          streamConnected: status.streamConnected,
          disconnectedSinceMs: status.disconnectedSinceMs,
          getTickFailing: status.getTickFailing,
          lagSeconds: lagSeconds(status.newestCommittedMicros),
          now: Date.now(),
        },
        { maxLagSeconds: config.readyMaxLag / 1000, reconnectGraceMs: config.readyReconnectGrace },
      );
    },
  }).catch((error: Error) => {
    logger.error({ reason: error.message }, "Health check server failed to start");
    return undefined;
  });
  if (!ops) return 1;
  const closeOps = async () => {
    await ops.stop();
    await probeSql?.end({ timeout: 1 });
  };

  try {
    if (config.migrate && !consoleMode) logger.info(await applySchema(config));
    ingester = await Ingester.start(config, observer.events, stopping.signal);
  } catch (error) {
    await closeOps();
    if (stopping.signal.aborted) {
      logger.info("Stopped while standing by");
      return 0;
    }
    logger.error({ reason: (error as Error).message }, error instanceof SchemaMissing ? "Database schema missing" : "Failed to start");
    return 1;
  }
  const sampler = setInterval(() => observer.sample(ingester.status()), SAMPLE_INTERVAL_MS);
  logger.info(
    {
      workers: config.workerCount,
      batch_size: config.batchSize,
      buffer_size: config.bufferSize,
      health_port: ops.port,
      output_mode: config.outputMode,
    },
    "Ingester started",
  );

  const reason = await Promise.race([stopSignal, ingester.finished.then(() => "fatal")]);
  logger.info({ signal: reason }, "Shutting down: draining buffered ticks");
  const drained = await ingester.stop();
  clearInterval(sampler);
  await closeOps();
  if (!drained) {
    logger.error(
      { timeout_ms: config.shutdownTimeout },
      "Pipeline shutdown timed out (uncommitted ticks are read again on the next start)",
    );
    return 1;
  }
  logger.info("Shutdown complete");
  return reason === "fatal" ? 1 : 0;
}

async function applySchema(config: IngesterConfig): Promise<string> {
  const sql = connect(config.databaseUrl!, "schema", databaseOptions(config));
  try {
    return describeMigration(await migrate(sql, config), config);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** From what the ingester itself knows: /health reads no state that only /ready refreshes. */
export function healthOf(status: IngesterStatus, batchStuckAfterMs: number, now = Date.now()): HealthReport {
  const reasons: string[] = [];
  if (!status.workersAlive) reasons.push("a pipeline worker has died");
  const waiting = status.oldestUncommittedBatchSinceMs === undefined ? 0 : now - status.oldestUncommittedBatchSinceMs;
  if (waiting > batchStuckAfterMs) {
    reasons.push(
      `a batch has waited ${Math.round(waiting / 1000)}s for its commit (BATCH_STUCK_AFTER ${Math.round(batchStuckAfterMs / 1000)}s)`,
    );
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/** Console output in batch order, whichever Worker finished first. */
function orderedPrinter(header: string) {
  const waiting = new Map<number, string>();
  let next = 1;
  process.stdout.write(header);
  return (report: { batchId: number; output?: string }) => {
    waiting.set(report.batchId, report.output ?? "");
    for (let text = waiting.get(next); text !== undefined; text = waiting.get(next)) {
      process.stdout.write(text);
      waiting.delete(next++);
    }
  };
}
