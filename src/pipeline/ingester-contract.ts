// What the ingester is given (its settings, and from them the sink's) and what it tells the outside
// (metrics, logs, readiness); it knows nothing of metrics or logs itself.
import type { IngesterConfig } from "../config/ingester.ts";
import type { DatabaseOptions } from "../sink/database.ts";
import type { CommitReport, RetryReport, SinkSpec } from "../sink/records.ts";
import type { LogReport } from "./batch-protocol.ts";

export interface IngesterEvents {
  connected(startTick: bigint): void;
  disconnected(reason: string, retryInMs: number): void;
  committed(report: CommitReport): void;
  /** A batch write failed; it is tried again after the backoff. */
  retried(report: RetryReport): void;
  repeated(): void;
  backfilled(first: bigint, last: bigint, found: number): void;
  /**
   * A tick whose timestamp is 0, older than RETAIN_FOR (retention drops it at once, without a
   * trace) or in the future; it is stored all the same.
   */
  untimely(kind: UntimelyKind, tickNumber: bigint, timestampMicros: bigint): void;
  /** GetTick failed (it is retried); `code` is the gRPC status name. */
  getTickFailed(tickNumber: bigint, code: string, reason: string, attempt: number, retryInMs: number): void;
  workerLog(report: LogReport, worker: number): void;
  /** Another instance writes this stream; this one waits for its lock. */
  standby(holder: string): void;
  /** Something the ingester cannot go on from; it is stopping. */
  fatal(reason: string): void;
}

export type UntimelyKind = "zero" | "expired" | "future";

export type IngesterSettings = Pick<
  IngesterConfig,
  | "continuumGrpcUrl"
  | "databaseUrl"
  | "serviceName"
  | "startTick"
  | "bufferSize"
  | "bufferBytes"
  | "workerCount"
  | "batchSize"
  | "flushInterval"
  | "outputMode"
  | "outputFormat"
  | "shutdownTimeout"
  | "streamIdleTimeout"
  | "grpcTls"
  | "grpcCaFile"
  | "retainFor"
  | "batchBytes"
  | "dbStatementTimeout"
  | "databaseCaFile"
>;

export const databaseOptions = (settings: IngesterSettings): DatabaseOptions => ({
  statementTimeoutMs: settings.dbStatementTimeout,
  caFile: settings.databaseCaFile,
});

/** What the Workers write to: the database under the lease's epoch, or the console without one. */
export function sinkSpec(settings: IngesterSettings, epoch: bigint | undefined): SinkSpec {
  if (epoch === undefined) return { kind: "console", format: settings.outputFormat };
  return {
    kind: "timescale",
    databaseUrl: settings.databaseUrl!,
    stream: settings.serviceName,
    applicationName: settings.serviceName,
    epoch: epoch.toString(),
    connection: databaseOptions(settings),
  };
}

export interface IngesterStatus {
  streamConnected: boolean;
  disconnectedSinceMs?: number;
  workersAlive: boolean;
  ticksInFlight: number;
  /** Bytes of the records in flight, rejects included (bounded by BUFFER_BYTES). */
  recordBytesInFlight: number;
  /** Every tick below this is committed. */
  nextTick?: bigint;
  lastCommitAtMs?: number;
  /** Timestamp (µs since the epoch) of the newest tick committed, for the lag. */
  newestCommittedMicros?: bigint;
  /** When the oldest batch still waiting for its commit was handed to its Worker (ms since the epoch). */
  oldestUncommittedBatchSinceMs?: number;
  /** GetTick has failed since then (ms since the epoch), with this error; absent when it answers. */
  getTickFailing?: { sinceMs: number; code: string; reason: string };
}

/** A timestamp further ahead of this host's clock than this is in the future (clocks drift a little). */
export const FUTURE_SLACK_MICROS = 60_000_000n;

/** Why a tick's timestamp would make retention or the lag wrong, or undefined; `now` in µs. */
export function untimelyKind(timestamp: bigint, now: bigint, retainForMicros: bigint | undefined): UntimelyKind | undefined {
  if (timestamp === 0n) return "zero";
  if (retainForMicros !== undefined && timestamp < now - retainForMicros) return "expired";
  if (timestamp > now + FUTURE_SLACK_MICROS) return "future";
  return undefined;
}
