// What the sequencer serves for each tick of a window, turned into the rows the writer would store
// (or the reason it would reject it). The window is read with one StreamTicks call, which costs
// verify about an eighth of the CPU per tick of a GetTick call (bench/VERIFY.md); every tick the stream does not deliver
// (skipped, cut off, unreadable) is fetched with GetTick, a bounded number in flight. With
// getTickOnly, every tick is fetched with GetTick.
import { isMessageTooLarge, type ContinuumClient } from "../source/continuum-client.ts";
import { peekTick } from "../source/tick-peek.ts";
import { decodeTick, newTickTables, TickRejected, tickRows } from "../sink/tick-rows.ts";
import { textRows, type TextRows } from "./stored.ts";

export type Served =
  | { kind: "tick"; rows: TextRows; raw: Uint8Array; output: string; previousOutput: string }
  | { kind: "unstorable"; code: string; detail: string; raw: Uint8Array }
  | { kind: "absent" };

export class SequencerUnreachable extends Error {}

const ATTEMPTS = 4;

/** GetTick, retried a few times; throws SequencerUnreachable when it keeps failing. */
async function getTick(client: ContinuumClient, n: bigint): Promise<Uint8Array | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.getTick(n, 5_000);
    } catch (error) {
      if (isMessageTooLarge(error as { code?: unknown; details?: unknown })) throw error;
      if (attempt >= ATTEMPTS) throw new SequencerUnreachable(`GetTick(${n}) failed ${ATTEMPTS} times: ${(error as Error).message}`);
      await Bun.sleep(250 * 2 ** attempt);
    }
  }
}

/** Tick n as GetTick serves it; a tick too large to receive is one the ingester rejects (too_large). */
export async function servedByGetTick(client: ContinuumClient, n: bigint): Promise<Served> {
  try {
    return servedOf(n, await getTick(client, n));
  } catch (error) {
    if (error instanceof SequencerUnreachable) throw error;
    return { kind: "unstorable", code: "too_large", detail: (error as { details: string }).details, raw: new Uint8Array(0) };
  }
}

/** Where servedOf has the writer's encoder check a tick: emptied after each one. */
const scratch = newTickTables();

/** The writer's view of tick n's bytes: the rows it would store, or why it would reject them. */
export function servedOf(n: bigint, bytes: Uint8Array | undefined): Served {
  if (bytes === undefined) return { kind: "absent" };
  try {
    const tick = decodeTick(bytes);
    if (tick.tickNumber !== n)
      return { kind: "unstorable", code: "backfill_mismatch", detail: `GetTick(${n}) returned tick ${tick.tickNumber}`, raw: bytes };
    tickRows(bytes, scratch);
    for (const table of scratch) table.reset();
    return { kind: "tick", rows: textRows(tick), raw: bytes, output: tick.vdfProof!.output, previousOutput: tick.previousOutput };
  } catch (error) {
    if (!(error instanceof TickRejected)) throw error;
    return { kind: "unstorable", ...error.rejection, raw: bytes };
  }
}

/** Stream silence after which the rest of the window is left to GetTick. */
const STREAM_IDLE_MS = 2_000;

/** The ticks of [first, last] one StreamTicks call delivers, until it passes `last`, ends, fails or idles. */
function streamWindow(client: ContinuumClient, first: bigint, last: bigint): Promise<Map<bigint, Uint8Array>> {
  return new Promise((resolve) => {
    const delivered = new Map<bigint, Uint8Array>();
    const call = client.streamTicks(first);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(idle);
      call.removeAllListeners("data");
      call.cancel();
      resolve(delivered);
    };
    const wait = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, STREAM_IDLE_MS);
    };
    wait();
    call.on("data", (bytes: Uint8Array) => {
      wait();
      let n: bigint;
      try {
        n = peekTick(bytes).tickNumber;
      } catch {
        return; // not a Tick: GetTick will say what the sequencer has for that number
      }
      if (n >= first && n <= last && !delivered.has(n)) delivered.set(n, bytes);
      if (n >= last) finish();
    });
    call.on("error", finish);
    call.on("end", finish);
  });
}

export interface FetchOptions {
  /** GetTick calls in flight. */
  inFlight: number;
  getTickOnly: boolean;
}

/** Every tick of [first, last] as the sequencer serves it. */
export async function fetchServed(
  client: ContinuumClient,
  first: bigint,
  last: bigint,
  options: FetchOptions,
): Promise<Map<bigint, Served>> {
  const delivered = options.getTickOnly ? new Map<bigint, Uint8Array>() : await streamWindow(client, first, last);
  const served = new Map<bigint, Served>();
  const missing: bigint[] = [];
  for (let n = first; n <= last; n++) {
    const bytes = delivered.get(n);
    if (bytes) served.set(n, servedOf(n, bytes));
    else missing.push(n);
  }
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const n = missing[next++]!;
      served.set(n, await servedByGetTick(client, n));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.inFlight, missing.length) }, worker));
  return served;
}
