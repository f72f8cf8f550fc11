// What travels from the main thread to a Worker through its ring, and back by postMessage.
import type { CommitReport, RetryReport, SinkSpec } from "../sink/records.ts";

// A batch is a run of records ending with End; its ticks cover [first, last] without a hole:
// every tick number in the range is stored, rejected or recorded as a gap in this one batch.

export const RecordType = { Tick: 1, Reject: 2, End: 3, Large: 4 } as const;

/** A record too large for the ring, sent by postMessage; a Large record marks its place. */
export interface LargeRecord {
  type: "large";
  recordType: number;
  body: Uint8Array;
}

export interface LogReport {
  type: "log";
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

/** The Worker cannot go on (e.g. fenced out by another instance) and is exiting. */
export interface FailedReport {
  type: "failed";
  reason: string;
}

export type WorkerReport = CommitReport | LogReport | RetryReport | FailedReport | { type: "ready" } | { type: "stopped" };

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
