// One tick's way: the stream hands its bytes here; the tick order places it in stream order
// (fetching what the stream skipped); the dispatcher streams it into a Worker's ring; the Worker
// decodes, validates, encodes and commits its batch with the batch's range; the commit report
// moves the watermark, and the checkpointer records the watermark in the database.
import { status as grpcStatus, type StatusObject } from "@grpc/grpc-js";
import type postgres from "postgres";
import type { IngesterConfig } from "../config/ingester.ts";
import { redactUrl } from "../config/values.ts";
import { certificateHint, connectDatabase, type DatabaseOptions } from "../sink/database.ts";
import { FencedOut, Lease } from "../sink/lease.ts";
import { initCheckpoint, loadProgress, saveCheckpoint } from "../sink/progress.ts";
import { ContinuumClient, isMessageTooLarge, MAX_TICK_BYTES } from "../source/continuum-client.ts";
import { runTickStream } from "../source/tick-stream.ts";
import { peekTick, type PeekedTick } from "../source/tick-peek.ts";
import type { CommitReport, RetryReport, SinkSpec } from "../sink/records.ts";
import type { LogReport } from "./batch-protocol.ts";
import { Aborted, Dispatcher } from "./dispatcher.ts";
import { sameBytes, TickOrder, type Decision } from "./tick-order.ts";
import { Watermark } from "./watermark.ts";
import { WorkerPool } from "./worker-pool.ts";

const CHECKPOINT_INTERVAL_MS = 1_000;
const BACKFILL_WINDOW = 16;
/** Above this many missing ticks, first look for where the sequencer's history begins. */
const BACKFILL_SEARCH_ABOVE = 1_000n;
/** A stream that skips more ticks than this must show the sequencer vouches for the tick it sent. */
const CHECK_JUMPS_ABOVE = BigInt(BACKFILL_WINDOW);
/** A timestamp further ahead of this host's clock than this is in the future (clocks drift a little). */
const FUTURE_SLACK_MICROS = 60_000_000n;
/** No tick can follow this one: the next number would not fit the checkpoint. */
const LAST_TICK_NUMBER = 2n ** 64n - 1n;

/** What the ingester tells the outside (metrics, logs); it knows nothing of either. */
export interface IngesterEvents {
  connected(startTick: bigint): void;
  disconnected(reason: string, retryInMs: number): void;
  committed(report: CommitReport): void;
  /** A batch write failed; it is tried again after the backoff. */
  retried(report: RetryReport): void;
  repeated(): void;
  backfilled(first: bigint, last: bigint, found: number): void;
  /**
   * A tick whose timestamp is 0, older than RETAIN_FOR (retention drops it at once, without a
   * trace) or in the future; it is stored all the same.
   */
  untimely(kind: UntimelyKind, tickNumber: bigint, timestampMicros: bigint): void;
  /** GetTick failed (it is retried); `code` is the gRPC status name. */
  getTickFailed(tickNumber: bigint, code: string, reason: string, attempt: number, retryInMs: number): void;
  workerLog(report: LogReport, worker: number): void;
  /** Another instance writes this stream; this one waits for its lock. */
  standby(holder: string): void;
  /** Something the ingester cannot go on from; it is stopping. */
  fatal(reason: string): void;
}

export type UntimelyKind = "zero" | "expired" | "future";

export type IngesterSettings = Pick<
  IngesterConfig,
  | "continuumGrpcUrl"
  | "databaseUrl"
  | "serviceName"
  | "startTick"
  | "bufferSize"
  | "bufferBytes"
  | "workerCount"
  | "batchSize"
  | "flushInterval"
  | "outputMode"
  | "outputFormat"
  | "shutdownTimeout"
  | "streamIdleTimeout"
  | "grpcTls"
  | "grpcCaFile"
  | "retainFor"
  | "batchBytes"
  | "dbStatementTimeout"
  | "databaseCaFile"
>;

export interface IngesterStatus {
  streamConnected: boolean;
  disconnectedSinceMs?: number;
  workersAlive: boolean;
  ticksInFlight: number;
  /** Bytes of the records in flight, rejects included (bounded by BUFFER_BYTES). */
  recordBytesInFlight: number;
  /** Every tick below this is committed. */
  nextTick?: bigint;
  lastCommitAtMs?: number;
  /** Timestamp (µs since the epoch) of the newest tick committed, for the lag. */
  newestCommittedMicros?: bigint;
  /** When the oldest batch still waiting for its commit was handed to its Worker (ms since the epoch). */
  oldestUncommittedBatchSinceMs?: number;
  /** GetTick has failed since then (ms since the epoch), with this error; absent when it answers. */
  getTickFailing?: { sinceMs: number; code: string; reason: string };
}

export class SchemaMissing extends Error {}

export const databaseOptions = (settings: IngesterSettings): DatabaseOptions => ({
  statementTimeoutMs: settings.dbStatementTimeout,
  caFile: settings.databaseCaFile,
});

interface UnreadableMessage {
  code: string;
  detail: string;
  bytes: Uint8Array;
}

function peekOrError(bytes: Uint8Array): PeekedTick | Error {
  try {
    return peekTick(bytes);
  } catch (error) {
    return error as Error;
  }
}

function databaseError(error: Error & { code?: string }, databaseUrl: string): Error {
  if (error.code === "42P01") {
    return new SchemaMissing(`the database's tick-ingester schema is missing or out of date (${error.message}): run \`tick-ingester migrate\` or start with --migrate`);
  }
  const hint = certificateHint(error);
  return new Error(`Failed to connect to database ${redactUrl(databaseUrl)}: ${error.message}${hint ? ` (${hint})` : ""}`);
}

export class Ingester {
  private readonly abort = new AbortController();
  private readonly client: ContinuumClient;
  private readonly pool: WorkerPool;
  private readonly dispatcher: Dispatcher;
  private order!: TickOrder;
  private watermark: Watermark | undefined;
  private savedNextTick: bigint | undefined;
  private checkpointTimer: ReturnType<typeof setInterval> | undefined;
  private streamConnected = false;
  private disconnectedSince: number | undefined = Date.now();
  private lastCommitAt: number | undefined;
  private newestCommittedMicros: bigint | undefined;
  private workersAlive = true;
  /** Another instance took over: nothing more may be saved. */
  private fencedOut = false;
  private getTickFailing: IngesterStatus["getTickFailing"];
  /** RETAIN_FOR in microseconds, from the database; undefined without one (console mode). */
  private retainForMicros: bigint | undefined;
  private reading: Promise<void> = Promise.resolve();
  /** Stream messages without a usable tick number, until the next tick shows what they were. */
  private unreadable: UnreadableMessage[] = [];

  private constructor(
    private readonly settings: IngesterSettings,
    private readonly events: IngesterEvents,
    private readonly sql: postgres.Sql | undefined,
    private readonly lease: Lease | undefined,
  ) {
    this.client = new ContinuumClient(settings.continuumGrpcUrl, { tls: settings.grpcTls, caFile: settings.grpcCaFile });
    const sink: SinkSpec = lease
      ? {
          kind: "timescale",
          databaseUrl: settings.databaseUrl!,
          stream: settings.serviceName,
          applicationName: settings.serviceName,
          epoch: lease.epoch.toString(),
          connection: databaseOptions(settings),
        }
      : { kind: "console", format: settings.outputFormat };
    this.pool = new WorkerPool(settings.workerCount, sink, {
      onCommit: (report) => this.onCommit(report),
      onLog: (report, worker) => events.workerLog(report, worker),
      onRetry: (report) => events.retried(report),
      onDeath: (worker, reason) => {
        this.workersAlive = false;
        events.fatal(`worker ${worker} died: ${reason}`);
        this.abort.abort();
      },
    });
    this.dispatcher = new Dispatcher(
      this.pool,
      { batchSize: settings.batchSize, batchBytes: settings.batchBytes, bufferSize: settings.bufferSize, bufferBytes: settings.bufferBytes, flushIntervalMs: settings.flushInterval },
      this.abort.signal,
    );
  }

  /**
   * Takes the stream's lock (waiting as a standby while another instance holds it), resumes from
   * the checkpoint and starts reading. `signal` ends a standby wait.
   */
  static async start(settings: IngesterSettings, events: IngesterEvents, signal: AbortSignal): Promise<Ingester> {
    const timescale = settings.outputMode === "timescale";
    let lost: ((reason: string) => void) | undefined;
    const lease = timescale
      ? await Lease.acquire(settings.databaseUrl!, databaseOptions(settings), {
          stream: settings.serviceName,
          signal,
          onStandby: (holder) => events.standby(holder),
          onLost: (reason) => lost?.(reason),
        }).catch((error: Error & { code?: string }) => {
          throw databaseError(error, settings.databaseUrl!);
        })
      : undefined;
    const sql = timescale ? connectDatabase(settings.databaseUrl!, databaseOptions(settings), { max: 2 }) : undefined;
    const ingester = new Ingester(settings, events, sql, lease);
    lost = (reason) => {
      events.fatal(`lost the ingestion lock: ${reason}`);
      ingester.abort.abort();
    };
    try {
      await ingester.resume();
      await ingester.pool.ready();
    } catch (error) {
      await ingester.pool.stop(0);
      await sql?.end({ timeout: 1 });
      await lease?.release();
      throw error;
    }
    ingester.reading = ingester.read();
    return ingester;
  }

  /** Where to start: after the last committed tick, or START_TICK on a database without a checkpoint. */
  private async resume() {
    const { startTick, serviceName } = this.settings;
    if (!this.sql) {
      this.order = new TickOrder(startTick === 0n ? undefined : startTick);
      return;
    }
    const progress = await loadProgress(this.sql, serviceName).catch((error: Error & { code?: string }) => {
      throw databaseError(error, this.settings.databaseUrl!);
    });
    const [retention] = await this.sql`SELECT (extract(epoch FROM ${this.settings.retainFor}::interval) * 1000000)::bigint::text AS micros`;
    this.retainForMicros = BigInt(retention!.micros);
    let next = progress.nextTick;
    if (next === undefined && startTick !== 0n) next = await initCheckpoint(this.sql, serviceName, this.lease!.epoch, startTick);
    if (next !== undefined) this.startWatermark(next, progress.committedAhead);
    this.order = new TickOrder(this.watermark?.next, this.watermark?.committedAhead);
  }

  private startWatermark(next: bigint, committedAhead: Array<[bigint, bigint]>) {
    this.watermark = new Watermark(next);
    this.savedNextTick = next;
    for (const [first, last] of committedAhead) this.watermark.commit(first, last);
    this.checkpointTimer = setInterval(() => void this.saveCheckpoint(), CHECKPOINT_INTERVAL_MS);
  }

  private async read() {
    try {
      await runTickStream(this.client, {
        resumeFrom: () => this.order.next ?? 0n,
        onTick: (bytes) => this.accept(bytes),
        onTooLarge: (detail) => this.rejectUnreadable(detail),
        signal: this.abort.signal,
        idleTimeoutMs: this.settings.streamIdleTimeout,
        onConnect: (startTick) => {
          this.streamConnected = true;
          this.disconnectedSince = undefined;
          this.events.connected(startTick);
        },
        onDisconnect: (reason, retryInMs) => {
          // No later tick of this stream can show what the held message was. Only stopping can
          // fail this, and then the message is read again on the next start.
          this.rejectUnreadableMessages().catch(() => {});
          this.streamConnected = false;
          this.disconnectedSince ??= Date.now();
          this.events.disconnected(reason, retryInMs);
        },
      });
    } catch (error) {
      if (!(error instanceof Aborted)) {
        this.events.fatal(`stream reader failed: ${(error as Error).stack ?? String(error)}`);
        this.abort.abort();
      }
    } finally {
      this.streamConnected = false;
    }
  }

  /** Places one tick from the stream; returns a promise only when the caller must wait. */
  private accept(bytes: Uint8Array): void | Promise<void> {
    const tick = peekOrError(bytes);
    if (tick instanceof Error) return this.holdUnreadable({ code: "undecodable", detail: `not a valid Tick message: ${tick.message}`, bytes });
    if (tick.tickNumber === 0n) return this.holdUnreadable({ code: "zero_tick_number", detail: "tick_number is 0", bytes });
    if (this.sql && !this.watermark) return this.startFrom(tick, bytes);
    const decision = this.order.offer(tick);
    if (decision.kind !== "gap" && this.unreadable.length > 0) return this.rejectUnreadableMessages().then(() => this.place(tick, bytes, decision));
    return this.place(tick, bytes, decision);
  }

  private place(tick: PeekedTick, bytes: Uint8Array, decision: Decision): void | Promise<void> {
    switch (decision.kind) {
      case "accept":
        this.checkTimestamp(tick);
        return this.dispatcher.tick(tick.tickNumber, bytes, decision.chainBreak);
      case "gap":
        return this.placeAfterGap(tick, bytes, decision.first, decision.last);
      default:
        this.events.repeated();
    }
  }

  /**
   * A stream message without a usable number is most likely a tick the stream skips: the backfill
   * finds the same bytes with GetTick and rejects them under that number. It is held until then,
   * so that it is not also rejected without a number: one message, one reject row. A few are held
   * (what one backfill window fetches, and at most MAX_TICK_BYTES); the oldest goes beyond that.
   */
  private holdUnreadable(message: UnreadableMessage): void | Promise<void> {
    this.unreadable.push(message);
    const held = this.unreadable.reduce((sum, m) => sum + m.bytes.byteLength, 0);
    if (this.unreadable.length > BACKFILL_WINDOW || held > MAX_TICK_BYTES) {
      const { code, detail, bytes } = this.unreadable.shift()!;
      return this.dispatcher.reject(undefined, code, detail, bytes);
    }
  }

  /** The held messages were not ticks the stream skipped: they are rejects without a number. */
  private async rejectUnreadableMessages() {
    for (const { code, detail, bytes } of this.unreadable.splice(0)) await this.dispatcher.reject(undefined, code, detail, bytes);
  }

  /** The held message with these bytes, taken out of the held ones. */
  private takeUnreadable(bytes: Uint8Array): UnreadableMessage | undefined {
    const i = this.unreadable.findIndex((m) => sameBytes(m.bytes, bytes));
    return i < 0 ? undefined : this.unreadable.splice(i, 1)[0];
  }

  /** START_TICK=0 on a new database: the first tick the stream sends becomes the checkpoint. */
  private async startFrom(tick: PeekedTick, bytes: Uint8Array) {
    const doubt = await this.beyondSequencer(tick.tickNumber);
    if (doubt) return this.rejectImplausible(tick.tickNumber, doubt, bytes);
    this.startWatermark(await initCheckpoint(this.sql!, this.settings.serviceName, this.lease!.epoch, tick.tickNumber), []);
    this.order = new TickOrder(this.watermark!.next);
    await this.accept(bytes);
  }

  /** The stream skipped [first, last] and sent `tick`: fetch what it skipped, then place the tick. */
  private async placeAfterGap(tick: PeekedTick, bytes: Uint8Array, first: bigint, last: bigint) {
    if (last - first + 1n > CHECK_JUMPS_ABOVE) {
      const doubt = await this.doubt(tick.tickNumber);
      if (doubt) return this.rejectImplausible(tick.tickNumber, `${last - first + 1n} ticks ahead of the expected ${first}, and ${doubt}`, bytes);
    }
    await this.backfill(first, last);
    await this.accept(bytes);
  }

  /** Why tick n cannot be a tick of this sequencer (when GetStatus answers), or undefined. */
  private async beyondSequencer(n: bigint): Promise<string | undefined> {
    if (n === LAST_TICK_NUMBER) return "no tick can follow it";
    const head = await this.client.currentTick().catch(() => undefined);
    if (head !== undefined && n > head) return `GetStatus says the current tick is ${head}`;
    return undefined;
  }

  /**
   * Why tick n, sent far ahead of the expected one, is not to be believed; undefined when the
   * sequencer vouches for it: GetStatus has produced it (when it answers) and GetTick has it.
   */
  private async doubt(n: bigint): Promise<string | undefined> {
    const beyond = await this.beyondSequencer(n);
    if (beyond) return beyond;
    const served = await this.fetchTick(n);
    if (served === undefined) return `GetTick(${n}) found no such tick`;
    const peeked = peekOrError(served);
    if (peeked instanceof Error) return `GetTick(${n}) returned bytes that are not a Tick (${peeked.message})`;
    return peeked.tickNumber === n ? undefined : `GetTick(${n}) returned tick ${peeked.tickNumber}`;
  }

  /** A tick number the sequencer does not vouch for: kept as a reject under no number, and not placed. */
  private rejectImplausible(n: bigint, why: string, bytes: Uint8Array) {
    return this.dispatcher.reject(undefined, "implausible_tick_number", `tick ${n}: ${why}`, bytes);
  }

  /** The stream skipped [first, last]: fetch each tick with GetTick, a few at a time, in order. */
  private async backfill(first: bigint, last: bigint) {
    if (last - first >= BACKFILL_SEARCH_ABOVE) first = await this.skipBeyondHistory(first, last);
    const fetches = new Map<bigint, Promise<Uint8Array | undefined>>();
    let ahead = first;
    let found = 0;
    for (let n = first; n <= last; n++) {
      if (this.order.isCommitted(n)) {
        this.order.pass(n);
        continue;
      }
      for (; ahead <= last && ahead < n + BigInt(BACKFILL_WINDOW); ahead++) {
        if (!this.order.isCommitted(ahead)) fetches.set(ahead, this.fetchTick(ahead));
      }
      const bytes = await fetches.get(n)!;
      fetches.delete(n);
      if (bytes === undefined) {
        this.order.pass(n);
        await this.dispatcher.gap(n, "not in the stream and GetTick found no such tick");
        continue;
      }
      const unreadable = this.takeUnreadable(bytes);
      if (unreadable) {
        const { code, detail } = unreadable;
        this.order.pass(n);
        await this.dispatcher.reject(n, code, `${detail} (in the stream, and from GetTick(${n}))`, bytes);
        continue;
      }
      const tick = peekOrError(bytes);
      if (tick instanceof Error || tick.tickNumber !== n) {
        this.order.pass(n);
        const got = tick instanceof Error ? `bytes that are not a Tick (${tick.message})` : `tick ${tick.tickNumber}`;
        await this.dispatcher.reject(n, "backfill_mismatch", `GetTick(${n}) returned ${got}`, bytes);
        continue;
      }
      found++;
      const decision = this.order.offer(tick);
      if (decision.kind === "accept") {
        this.checkTimestamp(tick);
        await this.dispatcher.tick(n, bytes, decision.chainBreak);
      }
    }
    this.events.backfilled(first, last, found);
  }

  /**
   * After a long outage the stream resumes at the oldest tick the sequencer still keeps, and
   * everything before it is gone: find that point by bisection (history is a suffix of the chain)
   * instead of asking for every lost tick, and record the lost run as one gap. Returns where
   * fetching should start.
   */
  private async skipBeyondHistory(first: bigint, last: bigint): Promise<bigint> {
    if ((await this.fetchTick(first)) !== undefined) return first;
    let missing = first; // not available
    let available = last + 1n; // the tick the stream sent is
    while (available - missing > 1n) {
      const mid = missing + (available - missing) / 2n;
      if ((await this.fetchTick(mid)) === undefined) missing = mid;
      else available = mid;
    }
    await this.recordGap(first, missing, "older than the sequencer's history");
    return missing + 1n;
  }

  /** [first, last] cannot be had; ticks in it that committed before this run are left alone. */
  private async recordGap(first: bigint, last: bigint, reason: string) {
    let from = first;
    for (const [committedFirst, committedLast] of this.order.committedWithin(first, last)) {
      if (committedFirst > from) await this.dispatcher.gapRange(from, committedFirst - 1n, reason);
      from = committedLast + 1n;
    }
    if (from <= last) await this.dispatcher.gapRange(from, last, reason);
    this.order.pass(last);
  }

  /**
   * GetTick, retried until it answers (the stream waits meanwhile); undefined when the sequencer
   * has no such tick. Every failure is reported, and /ready says while it lasts.
   */
  private async fetchTick(n: bigint): Promise<Uint8Array | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) throw new Aborted();
      try {
        const bytes = await this.client.getTick(n);
        this.getTickFailing = undefined;
        return bytes;
      } catch (error) {
        const { code, details } = error as Partial<StatusObject>;
        const name = grpcStatus[code ?? -1] ?? "UNKNOWN";
        const reason = details ?? String(error);
        this.getTickFailing = { sinceMs: this.getTickFailing?.sinceMs ?? Date.now(), code: name, reason };
        const delay = Math.min(5_000, 100 * 2 ** (attempt - 1));
        this.events.getTickFailed(n, name, reason, attempt, delay);
        await Bun.sleep(delay);
      }
    }
  }

  /**
   * The stream ended on a message too large to receive. Only if GetTick fails the same way for the
   * next tick was that message the tick: a reject. If GetTick has it, it is taken from there; on
   * any other answer the stream reconnects as after any error.
   */
  private async rejectUnreadable(detail: string) {
    const n = this.order.next;
    if (n === undefined) return;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.client.getTick(n);
    } catch (error) {
      if (!isMessageTooLarge(error as StatusObject)) return;
      this.order.pass(n);
      await this.dispatcher.reject(n, "too_large", detail, new Uint8Array(0));
      return;
    }
    if (bytes !== undefined) await this.accept(bytes);
  }

  /** Reports a timestamp that retention or the lag would get wrong; the tick is stored all the same. */
  private checkTimestamp(tick: PeekedTick) {
    const now = BigInt(Date.now()) * 1000n;
    const { timestamp } = tick;
    let kind: UntimelyKind | undefined;
    if (timestamp === 0n) kind = "zero";
    else if (this.retainForMicros !== undefined && timestamp < now - this.retainForMicros) kind = "expired";
    else if (timestamp > now + FUTURE_SLACK_MICROS) kind = "future";
    if (kind) this.events.untimely(kind, tick.tickNumber, timestamp);
  }

  private onCommit(report: CommitReport) {
    this.lastCommitAt = Date.now();
    if (report.newestTimestampMicros !== undefined) {
      const micros = BigInt(report.newestTimestampMicros);
      // A timestamp in the future would hold the lag at 0 from then on.
      const future = micros > BigInt(this.lastCommitAt) * 1000n + FUTURE_SLACK_MICROS;
      if (!future && (this.newestCommittedMicros === undefined || micros > this.newestCommittedMicros)) this.newestCommittedMicros = micros;
    }
    this.dispatcher.committed(report);
    if (report.first !== undefined && report.last !== undefined) {
      this.watermark?.commit(BigInt(report.first), BigInt(report.last));
    }
    this.events.committed(report);
  }

  private async saveCheckpoint() {
    const next = this.watermark?.next;
    if (!this.sql || this.fencedOut || next === undefined || next === this.savedNextTick) return;
    try {
      await saveCheckpoint(this.sql, this.settings.serviceName, this.lease!.epoch, next);
      this.savedNextTick = next;
    } catch (error) {
      if (error instanceof FencedOut) {
        this.fencedOut = true;
        clearInterval(this.checkpointTimer);
        this.events.fatal(error.message);
        this.abort.abort();
      }
      // Otherwise the next interval tries again; what is committed is safe in ingest_ranges meanwhile.
    }
  }

  status(): IngesterStatus {
    return {
      streamConnected: this.streamConnected,
      disconnectedSinceMs: this.disconnectedSince,
      workersAlive: this.workersAlive,
      ticksInFlight: this.dispatcher.ticksInFlight,
      recordBytesInFlight: this.dispatcher.recordBytesInFlight,
      nextTick: this.watermark?.next,
      lastCommitAtMs: this.lastCommitAt,
      newestCommittedMicros: this.newestCommittedMicros,
      oldestUncommittedBatchSinceMs: this.dispatcher.oldestUncommittedSinceMs,
      getTickFailing: this.getTickFailing,
    };
  }

  /**
   * Resolves when the ingester stops by itself (a fatal error): at the abort, not when the reader
   * notices it, which a reader waiting on a dead Worker's ring might never do.
   */
  get finished(): Promise<void> {
    const aborted = new Promise<void>((resolve) =>
      this.abort.signal.aborted ? resolve() : this.abort.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    return Promise.race([this.reading, aborted]);
  }

  /**
   * The seed's graceful shutdown: stop reading, drain the buffered ticks, flush the last batch,
   * record the checkpoint, close the connections. True if everything drained in time; what did
   * not commit is read again on the next start.
   */
  async stop(): Promise<boolean> {
    const deadline = Date.now() + this.settings.shutdownTimeout;
    const left = () => Math.max(0, deadline - Date.now());
    // Each step waits at most for what is left of SHUTDOWN_TIMEOUT; the last ones get a moment
    // even when it is used up, so that the connections close cleanly.
    const bounded = (work: Promise<unknown>, minimumMs = 0) =>
      Promise.race([work.catch(() => {}), Bun.sleep(Math.max(left(), minimumMs))]);
    this.abort.abort();
    await bounded(this.reading);
    await bounded(this.dispatcher.flush());
    const drained = await this.pool.stop(left());
    clearInterval(this.checkpointTimer);
    await bounded(this.saveCheckpoint(), 1_000);
    this.client.close();
    await bounded(this.sql?.end({ timeout: 1 }) ?? Promise.resolve(), 1_000);
    await bounded(this.lease?.release() ?? Promise.resolve(), 1_000);
    return drained;
  }
}
