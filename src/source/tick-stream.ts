// The live tick stream, reconnecting with capped exponential backoff after any error, and always
// resuming where the pipeline needs it (never from the configured START_TICK again).
// Ticks are handed over one at a time; while the handler is busy the call is paused, so its
// buffer stays small and HTTP/2 flow control slows the sender.
import * as grpc from "@grpc/grpc-js";
import { backoff } from "../common/backoff.ts";
import { isMessageTooLarge, type ContinuumClient } from "./continuum-client.ts";

export interface TickStreamOptions {
  /** The tick to ask for on each (re)connection; 0 means the latest. */
  resumeFrom: () => bigint;
  /** Returns a promise only when it must be waited for. */
  onTick: (bytes: Uint8Array) => void | Promise<void>;
  /** The call ended on a message larger than the client accepts (by grpc-js's account). */
  onTooLarge: (detail: string) => void | Promise<void>;
  signal: AbortSignal;
  /** No message for this long means a stalled stream: reconnect. */
  idleTimeoutMs: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** The stream is up: its first message arrived (a call that fails before any is no connection). */
  onConnect?: (startTick: bigint) => void;
  onDisconnect?: (reason: string, retryInMs: number) => void;
}

/** Reads until the signal aborts; rejects if a handler throws. */
export async function runTickStream(client: ContinuumClient, options: TickStreamOptions): Promise<void> {
  const { signal, backoffMinMs, backoffMaxMs } = options;
  let failures = 0;
  while (!signal.aborted) {
    const startTick = options.resumeFrom();
    const { reason, received } = await readOnce(client, startTick, options);
    if (received) failures = 0;
    if (signal.aborted) return;
    const delay = backoff(failures, { minMs: backoffMinMs, maxMs: backoffMaxMs });
    failures++;
    options.onDisconnect?.(reason, delay);
    await sleep(delay, signal);
  }
}

/** One StreamTicks call, until it ends; never leaves a handler running behind it. */
function readOnce(client: ContinuumClient, startTick: bigint, options: TickStreamOptions) {
  return new Promise<{ reason: string; received: boolean }>((resolve, reject) => {
    let received = false;
    let stalled = false;
    let busy = false;
    let failure: { error: unknown } | undefined;
    // One timer looks at the time of the last message, rather than a timer set per message.
    let lastMessageAt = performance.now();
    const idle = setInterval(
      () => {
        if (busy || performance.now() - lastMessageAt < options.idleTimeoutMs) return;
        stalled = true;
        call.cancel();
      },
      Math.min(1000, options.idleTimeoutMs / 4),
    );
    const fail = (error: unknown) => {
      failure ??= { error };
      call.cancel();
    };
    const call = client.readTicks(startTick, {
      onMessage: (bytes) => {
        if (!received) options.onConnect?.(startTick);
        received = true;
        lastMessageAt = performance.now();
        let result: void | Promise<void>;
        try {
          result = options.onTick(bytes);
        } catch (error) {
          return fail(error);
        }
        if (!result) return;
        busy = true;
        return result.then(() => {
          busy = false;
          lastMessageAt = performance.now();
        }, fail);
      },
      onEnd: async (status) => {
        clearInterval(idle);
        options.signal.removeEventListener("abort", cancel);
        if (failure) return reject(failure.error);
        if (isMessageTooLarge(status)) {
          try {
            await options.onTooLarge(status.details);
          } catch (error) {
            return reject(error);
          }
        }
        const reason = stalled
          ? `no tick for ${options.idleTimeoutMs}ms`
          : status.code === grpc.status.OK
            ? "stream ended by the server"
            : `${grpc.status[status.code]}: ${status.details}`;
        resolve({ reason, received });
      },
    });
    const cancel = () => call.cancel();
    options.signal.addEventListener("abort", cancel, { once: true });
  });
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
