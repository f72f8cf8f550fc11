// The ingester wires one tick's way and runs its lifecycle (the lease, resuming, stopping): the
// stream hands its bytes to the placer, which puts them in stream order (the backfill fetching what
// the stream skipped); the dispatcher streams each tick into a Worker's ring; the Worker decodes,
// validates, encodes and commits its batch with the batch's range; the commit report moves the
// watermark, and the checkpointer records the watermark in the database.
import type postgres from "postgres";
import { connect, databaseError } from "../sink/database.ts";
import { Lease } from "../sink/lease.ts";
import { initCheckpoint, loadProgress } from "../sink/progress.ts";
import type { CommitReport } from "../sink/records.ts";
import { ContinuumClient } from "../source/continuum-client.ts";
import { runTickStream } from "../source/tick-stream.ts";
import { Checkpointer } from "./checkpointer.ts";
import { Aborted, Dispatcher } from "./dispatcher.ts";
import {
  databaseOptions,
  FUTURE_SLACK_MICROS,
  sinkSpec,
  type IngesterEvents,
  type IngesterSettings,
  type IngesterStatus,
} from "./ingester-contract.ts";
import { TickPlacer } from "./tick-placer.ts";
import { WorkerPool } from "./worker-pool.ts";

export class Ingester {
  private readonly abort = new AbortController();
  private readonly client: ContinuumClient;
  private readonly pool: WorkerPool;
  private readonly dispatcher: Dispatcher;
  private readonly placer: TickPlacer;
  /** Absent without a database (console mode), and until a new database has its first tick. */
  private checkpointer: Checkpointer | undefined;
  private streamConnected = false;
  private disconnectedSince: number | undefined = Date.now();
  private lastCommitAt: number | undefined;
  private newestCommittedMicros: bigint | undefined;
  private workersAlive = true;
  private reading: Promise<void> = Promise.resolve();

  private constructor(
    private readonly settings: IngesterSettings,
    private readonly events: IngesterEvents,
    private readonly sql: postgres.Sql | undefined,
    private readonly lease: Lease | undefined,
  ) {
    this.client = new ContinuumClient(settings.continuumGrpcUrl, { tls: settings.grpcTls, caFile: settings.grpcCaFile });
    this.pool = new WorkerPool(settings.workerCount, sinkSpec(settings, lease?.epoch), {
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
      {
        batchSize: settings.batchSize,
        batchBytes: settings.batchBytes,
        bufferSize: settings.bufferSize,
        bufferBytes: settings.bufferBytes,
        flushIntervalMs: settings.flushInterval,
      },
      this.abort.signal,
    );
    this.placer = new TickPlacer({ client: this.client, dispatcher: this.dispatcher, events, signal: this.abort.signal });
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
    const sql = timescale ? connect(settings.databaseUrl!, "ingester", databaseOptions(settings)) : undefined;
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
      if (startTick !== 0n) this.placer.order.startAt(startTick);
      return;
    }
    const progress = await loadProgress(this.sql, serviceName).catch((error: Error & { code?: string }) => {
      throw databaseError(error, this.settings.databaseUrl!);
    });
    const [retention] = await this.sql`SELECT (extract(epoch FROM ${this.settings.retainFor}::interval) * 1000000)::bigint::text AS micros`;
    this.placer.retainForMicros = BigInt(retention!.micros);
    let next = progress.nextTick;
    if (next === undefined && startTick !== 0n) next = await initCheckpoint(this.sql, serviceName, this.lease!.epoch, startTick);
    if (next === undefined) {
      // A new database with START_TICK=0: the first tick the stream sends becomes the checkpoint.
      const sql = this.sql;
      this.placer.startAtFirst(async (n) => this.startCheckpointer(await initCheckpoint(sql, serviceName, this.lease!.epoch, n), []).next);
      return;
    }
    const checkpointer = this.startCheckpointer(next, progress.committedAhead);
    this.placer.order.startAt(checkpointer.next, checkpointer.committedAhead);
  }

  private startCheckpointer(next: bigint, committedAhead: Array<[bigint, bigint]>): Checkpointer {
    this.checkpointer = new Checkpointer(this.sql!, this.settings.serviceName, this.lease!.epoch, next, committedAhead, (reason) => {
      this.events.fatal(reason);
      this.abort.abort();
    });
    return this.checkpointer;
  }

  private async read() {
    try {
      await runTickStream(this.client, {
        resumeFrom: () => this.placer.order.next ?? 0n,
        onTick: (bytes) => this.placer.accept(bytes),
        onTooLarge: (detail) => this.placer.rejectTooLarge(detail),
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
          this.placer.rejectHeld().catch(() => {});
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
      this.checkpointer?.commit(BigInt(report.first), BigInt(report.last));
    }
    this.events.committed(report);
  }

  status(): IngesterStatus {
    return {
      streamConnected: this.streamConnected,
      disconnectedSinceMs: this.disconnectedSince,
      workersAlive: this.workersAlive,
      ticksInFlight: this.dispatcher.ticksInFlight,
      recordBytesInFlight: this.dispatcher.recordBytesInFlight,
      nextTick: this.checkpointer?.next,
      lastCommitAtMs: this.lastCommitAt,
      newestCommittedMicros: this.newestCommittedMicros,
      oldestUncommittedBatchSinceMs: this.dispatcher.oldestUncommittedSinceMs,
      getTickFailing: this.placer.backfill.getTickFailing,
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
   * A graceful shutdown: stop reading, drain the buffered ticks, flush the last batch, record the
   * checkpoint, close the connections. True if everything drained in time; what did not commit is
   * read again on the next start.
   */
  async stop(): Promise<boolean> {
    const deadline = Date.now() + this.settings.shutdownTimeout;
    const left = () => Math.max(0, deadline - Date.now());
    // Each step waits at most for what is left of SHUTDOWN_TIMEOUT; the last ones get a moment
    // even when it is used up, so that the connections close cleanly.
    const bounded = (work: Promise<unknown>, minimumMs = 0) => Promise.race([work.catch(() => {}), Bun.sleep(Math.max(left(), minimumMs))]);
    this.abort.abort();
    await bounded(this.reading);
    await bounded(this.dispatcher.flush());
    const drained = await this.pool.stop(left());
    this.checkpointer?.stop();
    await bounded(this.checkpointer?.save() ?? Promise.resolve(), 1_000);
    this.client.close();
    await bounded(this.sql?.end({ timeout: 1 }) ?? Promise.resolve(), 1_000);
    await bounded(this.lease?.release() ?? Promise.resolve(), 1_000);
    return drained;
  }
}
