// The checkpoint: the watermark (every tick below it is committed) moves with each commit report
// and is saved every second under the lease's epoch. A save refused because another instance took
// the stream over ends the saving for good.
import type postgres from "postgres";
import { FencedOut } from "../sink/lease.ts";
import { saveCheckpoint } from "../sink/progress.ts";
import { Watermark } from "./watermark.ts";

const CHECKPOINT_INTERVAL_MS = 1_000;

export class Checkpointer {
  private readonly watermark: Watermark;
  private savedNextTick: bigint;
  private readonly timer: ReturnType<typeof setInterval>;
  /** Another instance took over: nothing more may be saved. */
  private fencedOut = false;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly stream: string,
    private readonly epoch: bigint,
    next: bigint,
    committedAhead: Array<[bigint, bigint]>,
    private readonly onFencedOut: (reason: string) => void,
  ) {
    this.watermark = new Watermark(next);
    this.savedNextTick = next;
    for (const [first, last] of committedAhead) this.watermark.commit(first, last);
    this.timer = setInterval(() => void this.save(), CHECKPOINT_INTERVAL_MS);
  }

  get next(): bigint {
    return this.watermark.next;
  }

  get committedAhead(): Array<[bigint, bigint]> {
    return this.watermark.committedAhead;
  }

  commit(first: bigint, last: bigint) {
    this.watermark.commit(first, last);
  }

  async save() {
    const next = this.watermark.next;
    if (this.fencedOut || next === this.savedNextTick) return;
    try {
      await saveCheckpoint(this.sql, this.stream, this.epoch, next);
      this.savedNextTick = next;
    } catch (error) {
      if (error instanceof FencedOut) {
        this.fencedOut = true;
        this.stop();
        this.onFencedOut(error.message);
      }
      // Otherwise the next interval tries again; what is committed is safe in ingest_ranges meanwhile.
    }
  }

  /** Stops the timer; a last save() is the caller's. */
  stop() {
    clearInterval(this.timer);
  }
}
