// Groups ticks, in stream order, into batches and streams each batch into the ring of the least
// busy Worker. While the stream is live (fewer than BATCH_SIZE ticks wait for their commit) a batch
// closes as soon as its Worker has nothing else to commit: send what is there now. Otherwise (the
// stream is ahead, or the Worker busy) it grows until BATCH_SIZE ticks (more while the stream is
// well ahead: batchLimit), BATCH_BYTES bytes or FLUSH_INTERVAL after it opened, whichever comes first. One small batch per Worker at a time keeps
// latency at about one commit; small batches at full speed would cost the two shared cores a
// transaction per few ticks (measured: with one per idle writer the ingester fell behind at
// 10,000 ticks/s), so full speed gets full batches (bench/RESULTS.md, issue 17).
// It bounds what is in flight to BUFFER_SIZE ticks and BUFFER_BYTES bytes (every record counts,
// rejects included): when the database falls behind, the caller waits here, stops reading
// the stream, and gRPC flow control slows the sequencer's sending.
// Tick records do not wake their Worker: it cannot commit before the batch's End arrives.
import type { BatchEnd, ChainBreak, ChainBreakRecord, CommitReport, GapRecord, RejectRecord } from "../sink/records.ts";
import { encodeJson, RecordType } from "./batch-protocol.ts";
import type { WorkerPool } from "./worker-pool.ts";

export interface DispatcherOptions {
  batchSize: number;
  /** A batch closes once its ticks' bytes reach this: its COPY data must stay far below JavaScript's string limit. */
  batchBytes: number;
  bufferSize: number;
  /** Bytes of records in flight; one record is let through whatever its size when none are. */
  bufferBytes: number;
  flushIntervalMs: number;
}

interface OpenBatch {
  batchId: number;
  worker: number;
  first?: bigint;
  last?: bigint;
  ticks: number;
  bytes: number;
  gaps: GapRecord[];
  chainBreaks: ChainBreakRecord[];
  timer: ReturnType<typeof setTimeout>;
}

function endRecord(batch: OpenBatch): Uint8Array {
  const end: BatchEnd = {
    batchId: batch.batchId,
    first: batch.first?.toString(),
    last: batch.last?.toString(),
    gaps: batch.gaps,
    chainBreaks: batch.chainBreaks,
  };
  return encodeJson(end);
}

/** How much larger than BATCH_SIZE a batch may grow while the stream is well ahead. */
const CATCH_UP_GROWTH = 4;

export class Aborted extends Error {
  constructor() {
    super("aborted");
  }
}

export class Dispatcher {
  private open: OpenBatch | undefined;
  private nextBatchId = 1;
  private inFlight = 0;
  private bytesInFlight = 0;
  private readonly workerLoad: number[];
  /** Per Worker: its closed batches not yet fully committed. */
  private readonly batchesOut: number[];
  /** Closed batches not yet fully committed, oldest first: their Worker, ticks still to commit, bytes, and when closed. */
  private readonly closed = new Map<number, { worker: number; remaining: number; bytes: number; since: number }>();
  private roomWaiters: Array<() => void> = [];
  /** Serialises the stream's calls with the flush timer's. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Calls waiting for or holding the lock; the synchronous path is open only when none are. */
  private busy = 0;

  constructor(
    private readonly pool: WorkerPool,
    private readonly options: DispatcherOptions,
    private readonly signal: AbortSignal,
  ) {
    this.workerLoad = new Array(pool.size).fill(0);
    this.batchesOut = new Array(pool.size).fill(0);
    signal.addEventListener("abort", () => this.wakeRoomWaiters());
  }

  /** Ticks accepted and not yet committed. */
  get ticksInFlight() {
    return this.inFlight;
  }

  /** Bytes of the records sent to Workers and not yet committed. */
  get recordBytesInFlight() {
    return this.bytesInFlight;
  }

  /** When the oldest batch not yet committed was closed (ms since the epoch); undefined when none waits. */
  get oldestUncommittedSinceMs(): number | undefined {
    for (const batch of this.closed.values()) return batch.since;
    return undefined;
  }

  /** Returns a promise only when the caller must wait (a full ring, no room, a break in the numbers). */
  tick(n: bigint, raw: Uint8Array, chainBreak?: ChainBreak): void | Promise<void> {
    const continues = this.open === undefined || this.open.last === undefined || this.open.last === n - 1n;
    if (this.busy === 0 && continues && this.hasRoom() && !this.signal.aborted) {
      const batch = this.open ?? this.openBatch();
      if (this.pool.trySend(batch.worker, RecordType.Tick, raw, false)) {
        this.count(batch, n, chainBreak);
        this.hold(batch, raw.byteLength);
        if (this.isReady(batch) && !this.tryClose()) return this.flush();
        return;
      }
    }
    return this.locked(async () => {
      const batch = await this.batchFor(n);
      await this.pool.send(batch.worker, RecordType.Tick, raw, false);
      this.count(batch, n, chainBreak);
      this.hold(batch, raw.byteLength);
      await this.closeIfReady(batch);
    });
  }

  /** A tick that cannot be stored; n is undefined when the bytes did not say which tick. */
  reject(n: bigint | undefined, code: string, detail: string, raw: Uint8Array): Promise<void> {
    return this.locked(async () => {
      const batch = await this.batchFor(n);
      const record: RejectRecord = { tickNumber: n?.toString(), code, detail, rawBase64: Buffer.from(raw).toString("base64") };
      const body = encodeJson(record);
      await this.pool.send(batch.worker, RecordType.Reject, body);
      if (n !== undefined) this.count(batch, n);
      this.hold(batch, body.byteLength);
      await this.closeIfReady(batch);
    });
  }

  /** A tick the sequencer cannot provide. */
  gap(n: bigint, reason: string): Promise<void> {
    return this.locked(async () => {
      const batch = await this.batchFor(n);
      this.count(batch, n);
      const previous = batch.gaps.at(-1);
      if (previous && BigInt(previous.last) === n - 1n && previous.reason === reason) previous.last = n.toString();
      else batch.gaps.push({ first: n.toString(), last: n.toString(), reason });
      await this.closeIfReady(batch);
    });
  }

  /** A run of ticks the sequencer no longer has: one batch and one tick_gaps row, however long. */
  gapRange(first: bigint, last: bigint, reason: string): Promise<void> {
    return this.locked(async () => {
      await this.close();
      await this.waitForRoom();
      const batch = this.openBatch();
      const ticks = Number(last - first + 1n);
      Object.assign(batch, { first, last, ticks, gaps: [{ first: first.toString(), last: last.toString(), reason }] });
      this.inFlight += ticks;
      this.workerLoad[batch.worker]! += ticks;
      await this.close();
    });
  }

  flush(): Promise<void> {
    return this.locked(() => this.close());
  }

  /** A Worker committed [first, last] (or part of a batch it had to split). */
  committed(report: CommitReport): void {
    const ticks = report.first === undefined || report.last === undefined ? 0 : Number(BigInt(report.last) - BigInt(report.first) + 1n);
    this.inFlight -= ticks;
    const batch = this.closed.get(report.batchId);
    if (batch) {
      this.workerLoad[batch.worker]! -= ticks;
      batch.remaining -= ticks;
      if (batch.remaining <= 0) {
        this.bytesInFlight -= batch.bytes;
        this.closed.delete(report.batchId);
        this.batchesOut[batch.worker]!--;
      }
    }
    // Its Worker may be idle now: the open batch need not wait for more ticks.
    if (this.open && this.isReady(this.open)) void this.flush().catch(() => {});
    if (this.hasRoom()) this.wakeRoomWaiters();
  }

  private hasRoom() {
    return this.inFlight < this.options.bufferSize && this.bytesInFlight < this.options.bufferBytes;
  }

  /** The batch that tick n joins (undefined: a record without a number, which joins any): the
   * open one if n continues it, else a new one. */
  private async batchFor(n: bigint | undefined): Promise<OpenBatch> {
    if (n !== undefined && this.open?.last !== undefined && this.open.last !== n - 1n) await this.close();
    await this.waitForRoom();
    return this.open ?? this.openBatch();
  }

  /** Tick n is in the batch's ring now. */
  private count(batch: OpenBatch, n: bigint, chainBreak?: ChainBreak) {
    batch.first ??= n;
    batch.last = n;
    batch.ticks++;
    this.inFlight++;
    this.workerLoad[batch.worker]!++;
    if (chainBreak) batch.chainBreaks.push({ tickNumber: n.toString(), expected: chainBreak.expected, got: chainBreak.got });
  }

  /** A record of `bytes` is in the batch's ring now. */
  private hold(batch: OpenBatch, bytes: number) {
    batch.bytes += bytes;
    this.bytesInFlight += bytes;
  }

  private async waitForRoom() {
    while (!this.hasRoom()) {
      await this.close(); // the open batch's ticks count too: send them on their way
      if (this.signal.aborted) throw new Aborted();
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.signal.aborted) throw new Aborted();
  }

  private openBatch(): OpenBatch {
    const worker = this.leastBusyWorker();
    const batchId = this.nextBatchId++;
    const timer = setTimeout(() => void this.flush().catch(() => {}), this.options.flushIntervalMs);
    this.open = { batchId, worker, ticks: 0, bytes: 0, gaps: [], chainBreaks: [], timer };
    return this.open;
  }

  /** A Worker with nothing to commit if there is one; else the one with the fewest ticks to commit. */
  private leastBusyWorker(): number {
    let best = 0;
    for (let w = 1; w < this.workerLoad.length; w++) {
      const idle = this.batchesOut[w] === 0;
      const bestIdle = this.batchesOut[best] === 0;
      if ((idle && !bestIdle) || (idle === bestIdle && this.workerLoad[w]! < this.workerLoad[best]!)) best = w;
    }
    return best;
  }

  /** Full, or the stream is live and its Worker, idle, can commit what it holds now. */
  private isReady(batch: OpenBatch) {
    if (batch.ticks >= this.batchLimit() || batch.bytes >= this.options.batchBytes) return true;
    const live = this.inFlight < this.options.batchSize;
    return live && (batch.ticks > 0 || batch.bytes > 0) && this.batchesOut[batch.worker] === 0;
  }

  /**
   * BATCH_SIZE; up to CATCH_UP_GROWTH times it while more than twice BATCH_SIZE ticks wait for
   * their commit (the stream is well ahead: catching up, or full speed), within a quarter of the
   * buffer: PostgreSQL pays per transaction and per COPY statement (bench/RESULTS.md, issue 17).
   */
  private batchLimit() {
    const { batchSize, bufferSize } = this.options;
    if (this.inFlight <= 2 * batchSize) return batchSize;
    return Math.max(batchSize, Math.min(batchSize * CATCH_UP_GROWTH, Math.floor(bufferSize / 4)));
  }

  private async closeIfReady(batch: OpenBatch) {
    if (this.isReady(batch)) await this.close();
  }

  private async close() {
    const batch = this.open;
    if (!batch) return;
    const end = endRecord(batch);
    this.retire(batch);
    await this.pool.send(batch.worker, RecordType.End, end);
  }

  /** close() when it can be done at once; false (and nothing done) if it cannot. */
  private tryClose(): boolean {
    const batch = this.open!;
    const end = endRecord(batch);
    if (!this.pool.trySend(batch.worker, RecordType.End, end)) return false;
    this.retire(batch);
    return true;
  }

  /** The open batch is complete: from now on only its commit reports concern it. */
  private retire(batch: OpenBatch) {
    this.open = undefined;
    clearTimeout(batch.timer);
    if (batch.ticks > 0 || batch.bytes > 0) {
      this.closed.set(batch.batchId, { worker: batch.worker, remaining: batch.ticks, bytes: batch.bytes, since: Date.now() });
      this.batchesOut[batch.worker]!++;
    }
  }

  private wakeRoomWaiters() {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    const result = this.lock.then(fn).finally(() => this.busy--);
    this.lock = result.catch(() => {});
    return result;
  }
}
