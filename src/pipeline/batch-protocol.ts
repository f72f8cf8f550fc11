// What travels from the main thread to a Worker through its ring, and back by postMessage.
import type { DatabaseOptions } from "../sink/database.ts";

// A batch is a run of records ending with End; its ticks cover [first, last] without a hole:
// every tick number in the range is stored, rejected or recorded as a gap in this one batch.

export const RecordType = { Tick: 1, Reject: 2, End: 3, Large: 4 } as const;

/** A record too large for the ring, sent by postMessage; a Large record marks its place. */
export interface LargeRecord {
  type: "large";
  recordType: number;
  body: Uint8Array;
}

export interface RejectRecord {
  /** Absent when the bytes did not even say which tick they were. */
  tickNumber?: string;
  code: string;
  detail: string;
  rawBase64: string;
}

export interface GapRecord {
  first: string;
  last: string;
  reason: string;
}

export interface ChainBreakRecord {
  tickNumber: string;
  expected: string;
  got: string;
}

export interface BatchEnd {
  batchId: number;
  first?: string;
  last?: string;
  gaps: GapRecord[];
  chainBreaks: ChainBreakRecord[];
}

/** One committed range of a batch (a batch that had to be split commits in several). */
export interface CommitReport {
  type: "committed";
  batchId: number;
  first?: string;
  last?: string;
  ticks: number;
  rejects: Record<string, number>;
  gapTicks: number;
  chainBreaks: number;
  rows: { ticks: number; vdf_proofs: number; tick_transactions: number };
  /** Newest tick timestamp in the range, in microseconds, for the lag. */
  newestTimestampMicros?: string;
  writeSeconds: number;
  retries: number;
  /** Console mode: the text to print, in batch order. */
  output?: string;
}

export interface LogReport {
  type: "log";
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

/** A batch write failed and will be tried again after a backoff; sent as it happens. */
export interface RetryReport {
  type: "retry";
  batchId: number;
  first?: string;
  last?: string;
  attempt: number;
  delayMs: number;
  error: string;
}

/** The Worker cannot go on (e.g. fenced out by another instance) and is exiting. */
export interface FailedReport {
  type: "failed";
  reason: string;
}

export type WorkerReport = CommitReport | LogReport | RetryReport | FailedReport | { type: "ready" } | { type: "stopped" };

export type SinkSpec =
  | {
      kind: "timescale";
      databaseUrl: string;
      stream: string;
      applicationName: string;
      epoch: string;
      /** postgres.js options shared by every connection: TLS, timeouts. */
      connection: DatabaseOptions;
    }
  | { kind: "console"; format: "json" | "compact" | "table" };

export interface WorkerInit {
  type: "init";
  index: number;
  /** Batch writers in this thread, each with its own connection. */
  writers: number;
  ring: { control: SharedArrayBuffer; data: SharedArrayBuffer };
  sink: SinkSpec;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const encodeJson = (value: unknown) => encoder.encode(JSON.stringify(value));
export const decodeJson = <T>(bytes: Uint8Array) => JSON.parse(decoder.decode(bytes)) as T;
