// The sink's contract: what a batch holds besides its ticks, what a sink is told to open, and what it
// reports back. Each record is named once; `OnTheRing<T>` is its shape between threads, with every
// tick number a decimal string, converted where it crosses the ring.
import type { ConsoleFormat } from "./console-writer.ts";
import type { DatabaseOptions } from "./database.ts";

/** The shape of a record in a ring or a postMessage: tick numbers as decimal strings. */
export type OnTheRing<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | undefined ? string | undefined : T[K] };

/** Tick numbers the sequencer skipped and no longer has. */
export interface Gap {
  first: bigint;
  last: bigint;
  reason: string;
}

/** A tick whose previous_output is not the output of the tick before it. */
export interface ChainBreak {
  tickNumber: bigint;
  expected: string;
  got: string;
}

export interface RejectRecord {
  /** Absent when the bytes did not even say which tick they were. */
  tickNumber?: string;
  code: string;
  detail: string;
  rawBase64: string;
}

export type GapRecord = OnTheRing<Gap>;
export type ChainBreakRecord = OnTheRing<ChainBreak>;

/** Ends a batch: the range it completes and its gaps and chain breaks. */
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
  | { kind: "console"; format: ConsoleFormat };
