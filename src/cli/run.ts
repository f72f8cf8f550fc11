// `tick-ingester run`: the ingester with its logs, metrics and health endpoints, until a signal.
import type { IngesterConfig } from "../config/ingester.ts";
import { Ingester, SchemaMissing, type IngesterEvents } from "../pipeline/ingester.ts";
import { consoleHeader } from "../sink/console-writer.ts";
import { createLogger } from "../ops/logger.ts";

export async function run(config: IngesterConfig): Promise<number> {
  // In console mode stdout carries the ticks, so the logs go to stderr.
  const logger = createLogger({
    env: config.env,
    level: config.logLevel,
    serviceName: config.serviceName,
    destination: config.outputMode === "console" ? process.stderr : process.stdout,
  });
  const printer = config.outputMode === "console" ? orderedPrinter(consoleHeader(config.outputFormat)) : undefined;
  const events: IngesterEvents = {
    connected: (startTick) => logger.info({ start_tick: startTick.toString() }, "Connected to the tick stream"),
    disconnected: (reason, retryInMs) => logger.warn({ reason, retry_in_ms: retryInMs }, "Stream error (will reconnect)"),
    committed: (report) => {
      if (report.output !== undefined) printer?.(report.batchId, report.output);
      logger.debug(
        { tick_count: report.ticks, first_tick: report.first, last_tick: report.last, rejects: report.rejects, gap_ticks: report.gapTicks },
        config.outputMode === "console" ? "Printed batch" : "Wrote batch to TimescaleDB",
      );
    },
    repeated: () => {},
    backfilled: (first, last, found) =>
      logger.warn({ first_tick: first.toString(), last_tick: last.toString(), found }, "Fetched ticks the stream skipped"),
    workerLog: (report, worker) => logger[report.level]({ worker, ...report.fields }, report.msg),
    fatal: (reason) => logger.error({ reason }, "Ingester stopping on a fatal error"),
  };

  let ingester: Ingester;
  try {
    ingester = await Ingester.start(config, events);
  } catch (error) {
    logger.error({ reason: (error as Error).message }, error instanceof SchemaMissing ? "Database schema missing" : "Failed to start");
    return 1;
  }
  logger.info({ workers: config.workerCount, batch_size: config.batchSize, buffer_size: config.bufferSize }, "Ingester started");

  const signal = await Promise.race([
    new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    }),
    ingester.finished.then(() => "fatal"),
  ]);
  logger.info({ signal }, "Shutting down: draining buffered ticks");
  const drained = await ingester.stop();
  if (!drained) {
    logger.error({ timeout_ms: config.shutdownTimeout }, "Pipeline shutdown timed out");
    return 1;
  }
  logger.info("Shutdown complete");
  return signal === "fatal" ? 1 : 0;
}

/** Console output in batch order, whichever Worker finished first. */
function orderedPrinter(header: string) {
  const waiting = new Map<number, string>();
  let next = 1;
  process.stdout.write(header);
  return (batchId: number, text: string) => {
    waiting.set(batchId, text);
    for (let t = waiting.get(next); t !== undefined; t = waiting.get(next)) {
      process.stdout.write(t);
      waiting.delete(next++);
    }
  };
}
