// The live tick stream, reconnecting with capped exponential backoff after any error, and always
// resuming where the pipeline needs it (never from the configured START_TICK again).
import * as grpc from "@grpc/grpc-js";
import type { ContinuumClient } from "./continuum-client.ts";

export interface TickStreamOptions {
  /** The tick to ask for on each (re)connection; 0 means the latest. */
  resumeFrom: () => bigint;
  signal: AbortSignal;
  /** No message for this long means a stalled stream: reconnect. */
  idleTimeoutMs: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  onConnect?: (startTick: bigint) => void;
  onDisconnect?: (reason: string, retryInMs: number) => void;
}

export type StreamEvent = { kind: "tick"; bytes: Uint8Array } | { kind: "too_large"; detail: string };

export async function* tickStream(client: ContinuumClient, options: TickStreamOptions): AsyncGenerator<StreamEvent> {
  const { signal, backoffMinMs = 100, backoffMaxMs = 5_000 } = options;
  let failures = 0;
  while (!signal.aborted) {
    const startTick = options.resumeFrom();
    const call = client.streamTicks(startTick);
    const cancel = () => call.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    let stalled = false;
    const armIdleTimer = () =>
      setTimeout(() => {
        stalled = true;
        call.cancel();
      }, options.idleTimeoutMs);
    let idle = armIdleTimer();
    let reason = "stream ended by the server";
    options.onConnect?.(startTick);
    try {
      for await (const bytes of call as AsyncIterable<Uint8Array>) {
        clearTimeout(idle);
        failures = 0;
        yield { kind: "tick", bytes };
        idle = armIdleTimer();
      }
    } catch (error) {
      const status = error as grpc.ServiceError;
      reason = stalled ? `no tick for ${options.idleTimeoutMs}ms` : `${grpc.status[status.code] ?? "ERROR"}: ${status.details ?? String(error)}`;
      if (status.code === grpc.status.RESOURCE_EXHAUSTED) yield { kind: "too_large", detail: status.details };
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", cancel);
    }
    if (signal.aborted) return;
    const delay = Math.min(backoffMaxMs, backoffMinMs * 2 ** failures);
    failures++;
    options.onDisconnect?.(reason, delay);
    await sleep(delay, signal);
  }
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
