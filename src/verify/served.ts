// What the sequencer serves for each tick of a window, fetched with GetTick, a bounded number in
// flight, and turned into the rows the writer would store (or the reason it would reject it).
import type { ContinuumClient } from "../source/continuum-client.ts";
import { decodeTick, TickRejected, tickRows, type TickRows } from "../sink/tick-rows.ts";

export type Served =
  | { kind: "tick"; rows: TickRows; output: string; previousOutput: string }
  | { kind: "unstorable"; code: string; detail: string; raw: Uint8Array }
  | { kind: "absent" };

export class SequencerUnreachable extends Error {}

const ATTEMPTS = 4;

/** GetTick, retried a few times; throws SequencerUnreachable when it keeps failing. */
export async function getTick(client: ContinuumClient, n: bigint): Promise<Uint8Array | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.getTick(n, 5_000);
    } catch (error) {
      if (attempt >= ATTEMPTS) throw new SequencerUnreachable(`GetTick(${n}) failed ${ATTEMPTS} times: ${(error as Error).message}`);
      await Bun.sleep(250 * 2 ** attempt);
    }
  }
}

/** The writer's view of tick n's bytes: the rows it would store, or why it would reject them. */
export function servedOf(n: bigint, bytes: Uint8Array | undefined): Served {
  if (bytes === undefined) return { kind: "absent" };
  try {
    const tick = decodeTick(bytes);
    if (tick.tickNumber !== n) return { kind: "unstorable", code: "backfill_mismatch", detail: `GetTick(${n}) returned tick ${tick.tickNumber}`, raw: bytes };
    return { kind: "tick", rows: tickRows(tick), output: tick.vdfProof!.output, previousOutput: tick.previousOutput };
  } catch (error) {
    if (!(error instanceof TickRejected)) throw error;
    return { kind: "unstorable", ...error.rejection, raw: bytes };
  }
}

/** Every tick of [first, last], at most `inFlight` calls at a time. */
export async function fetchServed(client: ContinuumClient, first: bigint, last: bigint, inFlight: number): Promise<Map<bigint, Served>> {
  const served = new Map<bigint, Served>();
  let next = first;
  const worker = async () => {
    while (next <= last) {
      const n = next++;
      served.set(n, servedOf(n, await getTick(client, n)));
    }
  };
  const count = Number(last - first + 1n);
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return served;
}
