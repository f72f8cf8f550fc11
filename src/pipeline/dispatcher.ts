// Groups ticks, in stream order, into batches and streams each batch into the ring of the least
// busy Worker. While the stream is live (fewer than BATCH_SIZE ticks wait for their commit) a batch
// closes as soon as its Worker has nothing else to commit: send what is there now. Otherwise (the
// stream is ahead, or the Worker busy) it grows until BATCH_SIZE ticks (more while the stream is
// well ahead: batchLimit), BATCH_BYTES bytes or FLUSH_INTERVAL after it opened, whichever comes
// first. One small batch per Worker at a time keeps latency at about one commit; small batches at
// full speed would cost the two shared cores a transaction per few ticks (measured: with one per
// idle writer the ingester fell behind at 10,000 ticks/s), so full speed gets full batches
// (bench/RESULTS.md, issue 17).
// It bounds what is in flight to BUFFER_SIZE ticks and BUFFER_BYTES bytes (every record counts,
// rejects included): when the database falls behind, the caller waits here, stops reading
// the stream, and gRPC flow control slows the sequencer's sending.
//
// States. A batch is open or none is: a record opens one on the least busy Worker; a tick whose
// number does not follow the open batch's closes it first, as do the bounds above, FLUSH_INTERVAL
// and waiting for room. A closed batch (its End record sent) waits for its commit reports: each
// frees its ticks (a Worker may split a batch and commit it in parts), the last its bytes and its
// Worker's turn. At BUFFER_SIZE or BUFFER_BYTES a call waits for room until a commit frees some.
// Calls run one at a time: at once, synchronously, when none is waiting (the stream's fast path:
// no promise per tick); one that must wait (for room, or in a full ring) returns a promise and holds
// back the calls after it (the stream's, the flush timer's, a commit's). Once aborted, every call
// that needs room fails with Aborted; flush() still sends the open batch on its way.
// Tick records do not wake their Worker: it cannot commit before the batch's End arrives.
import { WakeUp } from "../common/waiting-queue.ts";
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

/** Done, or a promise when it had to wait. */
type Step = void | Promise<void>;

/** `next(value)` at once when the value is there, else once its promise gives it: nothing waits that need not. */
function andThen<T, U>(value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function endRecord({ batchId, first, last, gaps, chainBreaks }: OpenBatch): Uint8Array {
  return encodeJson({ batchId, first: first?.toString(), last: last?.toString(), gaps, chainBreaks } satisfies BatchEnd);
}

/** How much larger than BATCH_SIZE a batch may grow while the stream is well ahead. */
const CATCH_UP_GROWTH = 16;

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
  /** Woken when a commit leaves room; closed at the abort. */
  private readonly roomFreed = new WakeUp();
  /** Settles once the calls queued so far have run. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Calls queued or under way that had to wait; a call runs at once only when there are none. */
  private busy = 0;

  constructor(
    private readonly pool: WorkerPool,
    private readonly options: DispatcherOptions,
    private readonly signal: AbortSignal,
  ) {
    this.workerLoad = new Array(pool.size).fill(0);
    this.batchesOut = new Array(pool.size).fill(0);
    signal.addEventListener("abort", () => this.roomFreed.close());
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
    return this.closed.values().next().value?.since;
  }

  /** Returns a promise only when the caller must wait (a full ring, no room, a call before it waiting). */
  tick(n: bigint, raw: Uint8Array, chainBreak?: ChainBreak): Step {
    return this.serially(() => this.put(n, RecordType.Tick, raw, chainBreak));
  }

  /** A tick that cannot be stored; n is undefined when the bytes did not say which tick. */
  async reject(n: bigint | undefined, code: string, detail: string, raw: Uint8Array): Promise<void> {
    const record: RejectRecord = { tickNumber: n?.toString(), code, detail, rawBase64: Buffer.from(raw).toString("base64") };
    await this.serially(() => this.put(n, RecordType.Reject, encodeJson(record)));
  }

  /** A tick the sequencer cannot provide. */
  async gap(n: bigint, reason: string): Promise<void> {
    await this.serially(() =>
      andThen(this.batchFor(n), (batch) => {
        this.count(batch, n);
        const previous = batch.gaps.at(-1);
        if (previous && BigInt(previous.last) === n - 1n && previous.reason === reason) previous.last = n.toString();
        else batch.gaps.push({ first: n.toString(), last: n.toString(), reason });
        return this.closeIfReady(batch);
      }),
    );
  }

  /** A run of ticks the sequencer no longer has: one batch and one tick_gaps row, however long. */
  async gapRange(first: bigint, last: bigint, reason: string): Promise<void> {
    await this.serially(async () => {
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

  /** Sends the open batch on its way. */
  async flush(): Promise<void> {
    await this.serially(() => this.close());
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
    if (this.hasRoom()) this.roomFreed.wakeAll();
  }

  private hasRoom() {
    return this.inFlight < this.options.bufferSize && this.bytesInFlight < this.options.bufferBytes;
  }

  /** Puts tick n's record into the batch it joins, and counts it there. */
  private put(n: bigint | undefined, type: number, body: Uint8Array, chainBreak?: ChainBreak): Step {
    return andThen(this.batchFor(n), (batch) =>
      andThen(this.pool.send(batch.worker, type, body, type !== RecordType.Tick), () => {
        this.count(batch, n, chainBreak);
        this.hold(batch, body.byteLength);
        return this.closeIfReady(batch);
      }),
    );
  }

  /** The batch that tick n joins (undefined: a record without a number, which joins any), once
   * there is room: the open one if n continues it, else a new one. */
  private batchFor(n: bigint | undefined): OpenBatch | Promise<OpenBatch> {
    const breaks = n !== undefined && this.open?.last !== undefined && this.open.last !== n - 1n;
    const room = andThen(breaks ? this.close() : undefined, () => this.waitForRoom());
    return andThen(room, () => this.open ?? this.openBatch());
  }

  /** Tick n is in the batch's ring now (undefined: a record without a number, which is no tick). */
  private count(batch: OpenBatch, n: bigint | undefined, chainBreak?: ChainBreak) {
    if (n === undefined) return;
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

  /** Returns at once if there is room; else sends the open batch on its way (its ticks count too) and waits for commits. */
  private waitForRoom(): Step {
    if (this.signal.aborted) throw new Aborted();
    if (this.hasRoom()) return;
    return andThen(this.close(), () => this.roomFreed.wait().then(() => this.waitForRoom()));
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
   * their commit (the stream is well ahead: catching up, or full speed), within half the buffer:
   * PostgreSQL pays per transaction and per COPY statement, and a COPY sets up a slot for each of
   * its first rows up to about a thousand, so only COPYs of thousands of rows cost it what one
   * big load does (bench/RESULTS.md, issue 17).
   */
  private batchLimit() {
    const { batchSize, bufferSize } = this.options;
    if (this.inFlight <= 2 * batchSize) return batchSize;
    return Math.max(batchSize, Math.min(batchSize * CATCH_UP_GROWTH, Math.floor(bufferSize / 2)));
  }

  private closeIfReady(batch: OpenBatch): Step {
    if (this.isReady(batch)) return this.close();
  }

  /** The open batch is complete: its End goes to its Worker, and from now on only its commit reports concern it. */
  private close(): Step {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    clearTimeout(batch.timer);
    if (batch.ticks > 0 || batch.bytes > 0) {
      this.closed.set(batch.batchId, { worker: batch.worker, remaining: batch.ticks, bytes: batch.bytes, since: Date.now() });
      this.batchesOut[batch.worker]!++;
    }
    return this.pool.send(batch.worker, RecordType.End, endRecord(batch));
  }

  /**
   * Runs `step` now if no call is under way, else after those that are, so that the stream's calls,
   * the flush timer's and the commits' never interleave. A step that has to wait holds back the
   * calls after it until it is done. Errors always come as a rejected promise.
   */
  private serially(step: () => Step): Step {
    if (this.busy > 0) return this.holdBack(this.lock.then(step));
    try {
      const waiting = step();
      if (waiting) return this.holdBack(waiting);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private holdBack(work: Promise<void>): Promise<void> {
    this.busy++;
    const done = work.finally(() => this.busy--);
    this.lock = done.catch(() => {});
    return done;
  }
}
