// /ready's decision, from what the pipeline observed: ready only when the database answers, the
// stream is connected (or reconnecting for less than the grace period) and the lag is bounded.

export type ReadyReport =
  | { state: "ready" }
  | { state: "standby"; reason: string }
  | { state: "not_ready"; failed: Record<string, string> };

export interface ReadinessObservations {
  /** true, or why the database probe failed (false when there is no reason to give). */
  databaseReachable: boolean | string;
  streamConnected: boolean;
  /** When the stream was lost (ms since the epoch, like `now`); absent if it never connected. */
  disconnectedSinceMs?: number;
  /** Seconds between the newest committed tick's timestamp and now; absent before the first commit. */
  lagSeconds?: number;
  /** GetTick has been failing since then (ms since the epoch); the stream waits for it. */
  getTickFailing?: { sinceMs: number; code: string; reason: string };
  now: number;
}

export interface ReadinessLimits {
  maxLagSeconds: number;
  reconnectGraceMs: number;
}

/** What /ready logs while this instance waits for the lock, before its ingester starts (src/cli/run.ts). */
export const STANDBY_REASON = "another instance holds the ingestion lock; this one takes over when it is released";

export function evaluateReadiness(obs: ReadinessObservations, limits: ReadinessLimits): ReadyReport {
  const failed: Record<string, string> = {};

  if (obs.databaseReachable !== true) {
    failed.database = typeof obs.databaseReachable === "string" ? obs.databaseReachable : "unreachable";
  }

  if (!obs.streamConnected) {
    if (obs.disconnectedSinceMs === undefined) {
      failed.stream = "not connected yet";
    } else {
      const downMs = obs.now - obs.disconnectedSinceMs;
      if (downMs > limits.reconnectGraceMs) {
        failed.stream = `disconnected for ${seconds(downMs / 1000)} (grace ${seconds(limits.reconnectGraceMs / 1000)})`;
      }
    }
  }

  // Retrying does not mend these: the sequencer refuses GetTick, and the backfill cannot go on.
  const refused = ["UNIMPLEMENTED", "PERMISSION_DENIED", "UNAUTHENTICATED", "INVALID_ARGUMENT"];
  if (obs.getTickFailing) {
    const { sinceMs, code, reason } = obs.getTickFailing;
    const failingMs = obs.now - sinceMs;
    if (refused.includes(code) || failingMs > limits.reconnectGraceMs) {
      failed.get_tick = `GetTick failing for ${seconds(failingMs / 1000)}: ${code}: ${reason}`;
    }
  }

  if (obs.lagSeconds !== undefined && obs.lagSeconds > limits.maxLagSeconds) {
    failed.lag = `${seconds(obs.lagSeconds)} behind the stream (limit ${seconds(limits.maxLagSeconds)})`;
  }

  return Object.keys(failed).length === 0 ? { state: "ready" } : { state: "not_ready", failed };
}

const seconds = (value: number) => `${Number(value.toFixed(3))}s`;
