// Turns what the ingester reports into metrics and log lines: one line per batch at debug, a
// summary every interval at info, every problem at warn or error with its cause.
import type { CommitReport } from "../sink/records.ts";
import type { IngesterEvents, IngesterStatus, UntimelyKind } from "../pipeline/ingester-contract.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

/** Seconds between a tick's own timestamp and now. */
export const lagSeconds = (micros: bigint | undefined) =>
  micros === undefined ? undefined : Math.max(0, Date.now() / 1000 - Number(micros) / 1e6);

const UNTIMELY_MESSAGES: Record<UntimelyKind, string> = {
  zero: "Tick timestamp is 0: retention drops such a tick at once",
  expired: "Tick timestamp is older than RETAIN_FOR: retention drops such a tick at once",
  future: "Tick timestamp is in the future: it is left out of the lag",
};

export interface Observer {
  events: IngesterEvents;
  /** Refreshes the gauges and, every summaryIntervalMs, logs a summary line. */
  sample(status: IngesterStatus): void;
}

export function observeIngester(options: {
  logger: Logger;
  metrics: Metrics;
  bufferCapacity: number;
  summaryIntervalMs: number;
  batchMessage: string;
  /** Console mode: prints a batch's ticks. */
  print?: (report: CommitReport) => void;
  onStandby?: (holder: string) => void;
}): Observer {
  const { logger, metrics } = options;
  metrics.bufferCapacity.set(options.bufferCapacity);
  let committedSinceSummary = 0;
  let lastSummaryAt = Date.now();

  const untimelyLogged = new Set<UntimelyKind>();
  const events: IngesterEvents = {
    connected: (startTick) => logger.info({ start_tick: startTick }, "Connected to the tick stream"),
    disconnected: (reason, retryInMs) => {
      metrics.reconnects.inc();
      logger.warn({ reason, retry_in_ms: retryInMs }, "Stream error (will reconnect)");
    },
    committed: (report) => {
      options.print?.(report);
      const rejected = Object.values(report.rejects).reduce((a, b) => a + b, 0);
      metrics.ticks.inc({ status: "success" }, report.ticks);
      if (rejected > 0) metrics.ticks.inc({ status: "error" }, rejected);
      for (const [reason, count] of Object.entries(report.rejects)) metrics.rejects.inc({ reason }, count);
      for (const [table, count] of Object.entries(report.rows)) metrics.rows.inc({ table: table as keyof typeof report.rows }, count);
      metrics.writeDuration.observe(report.writeSeconds);
      metrics.batchSize.observe(report.ticks);
      if (report.gapTicks > 0) metrics.gapTicks.inc(report.gapTicks);
      if (report.chainBreaks > 0) metrics.chainBreaks.inc(report.chainBreaks);
      const lag = lagSeconds(report.newestTimestampMicros === undefined ? undefined : BigInt(report.newestTimestampMicros));
      if (lag !== undefined) metrics.commitLag.observe(lag);
      committedSinceSummary += report.ticks;
      logger.debug(
        {
          tick_count: report.ticks,
          first_tick: report.first,
          last_tick: report.last,
          rejects: rejected,
          gap_ticks: report.gapTicks,
          retries: report.retries,
        },
        options.batchMessage,
      );
      if (rejected > 0)
        logger.warn({ first_tick: report.first, last_tick: report.last, rejects: report.rejects }, "Ticks rejected (see tick_rejects)");
      if (report.gapTicks > 0)
        logger.warn(
          { first_tick: report.first, last_tick: report.last, gap_ticks: report.gapTicks },
          "Ticks missing from the sequencer (see tick_gaps)",
        );
      if (report.chainBreaks > 0)
        logger.warn(
          { first_tick: report.first, last_tick: report.last, chain_breaks: report.chainBreaks },
          "VDF chain broken (see chain_breaks)",
        );
    },
    retried: (report) => {
      metrics.writeRetries.inc();
      logger.warn(
        {
          first_tick: report.first,
          last_tick: report.last,
          batch_id: report.batchId,
          attempt: report.attempt,
          retry_in_ms: report.delayMs,
          err: report.error,
        },
        "Batch write failed (will retry)",
      );
    },
    repeated: () => metrics.duplicates.inc(),
    backfilled: (first, last, found) =>
      logger.warn({ first_tick: first, last_tick: last, found }, "Fetched ticks the stream skipped with GetTick"),
    untimely: (kind, tickNumber, timestampMicros) => {
      metrics.untimelyTicks.inc(kind);
      if (untimelyLogged.has(kind)) return;
      untimelyLogged.add(kind);
      logger.warn(
        { kind, tick: tickNumber, timestamp_micros: timestampMicros, retention: kind === "expired" ? "drops it at once" : undefined },
        `${UNTIMELY_MESSAGES[kind]} (stored; logged once per run, tick_ingester_untimely_ticks_total{kind} counts them)`,
      );
    },
    getTickFailed: (tickNumber, code, reason, attempt, retryInMs) => {
      metrics.getTickFailures.inc({ code });
      logger.warn(
        { tick: tickNumber, code, reason, attempt, retry_in_ms: retryInMs },
        "GetTick failed (will retry; ingestion waits for it)",
      );
    },
    workerLog: (report, worker) => logger[report.level]({ worker, ...report.fields }, report.msg),
    fatal: (reason) => logger.error({ reason }, "Ingester stopping on a fatal error"),
    standby: (holder) => {
      options.onStandby?.(holder);
      logger.info({ holder }, "Standing by: another instance is writing this stream");
    },
  };

  return {
    events,
    sample(status) {
      metrics.bufferSize.set(status.ticksInFlight);
      metrics.bufferBytes.set(status.recordBytesInFlight);
      if (status.nextTick !== undefined) metrics.lastCommittedTick.set(Number(status.nextTick - 1n));
      const now = Date.now();
      metrics.oldestUncommittedBatch.set(
        status.oldestUncommittedBatchSinceMs === undefined ? 0 : (now - status.oldestUncommittedBatchSinceMs) / 1000,
      );
      if (now - lastSummaryAt < options.summaryIntervalMs) return;
      logger.info(
        {
          ticks_per_second: Math.round((committedSinceSummary * 1000) / (now - lastSummaryAt)),
          lag_seconds: lagSeconds(status.newestCommittedMicros),
          buffer_fill: status.ticksInFlight / options.bufferCapacity,
          next_tick: status.nextTick,
          stream_connected: status.streamConnected,
        },
        "Ingestion summary",
      );
      committedSinceSummary = 0;
      lastSummaryAt = now;
    },
  };
}
