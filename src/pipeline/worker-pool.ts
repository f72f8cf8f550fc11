// The main thread's side of the Workers: one ring each, started together, stopped by closing
// their rings (they drain, commit what they hold and say so) or, past a deadline, terminated.
// WORKER_COUNT batch writers share min(WORKER_COUNT, CPU cores) threads, as goroutines share
// OS threads: more threads than cores would only add memory (each is a JavaScript VM), while
// more writers than cores keep more transactions in flight.
import { availableParallelism } from "node:os";
import type { CommitReport, RetryReport, SinkSpec } from "../sink/records.ts";
import { RecordType, type LargeRecord, type LogReport, type WorkerInit, type WorkerReport } from "./batch-protocol.ts";
import { createRing, RingWriter } from "./ring.ts";

/**
 * Small on purpose: JavaScriptCore counts shared memory towards a thread's heap when it decides
 * when to collect garbage, so a large ring makes every thread hold more garbage (measured: peak
 * RSS 301 MB with 33 MB rings, 197 MB with 4 MB). Larger records go by postMessage instead.
 */
const RING_BYTES = 4 << 20;

/** In the compiled binary every module's URL is the binary's own, in a folder that stands for src/. */
const WORKER_URL = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./pipeline/worker-thread.ts", import.meta.url).href
  : new URL("./worker-thread.ts", import.meta.url).href;

export interface WorkerHandlers {
  onCommit(report: CommitReport): void;
  onLog(report: LogReport, worker: number): void;
  /** A batch write failed and will be retried. */
  onRetry(report: RetryReport, worker: number): void;
  /** A Worker ended without being asked to. */
  onDeath(worker: number, reason: string): void;
}

interface Member {
  worker: Worker;
  ring: RingWriter;
  stopped: Promise<void>;
  ready: Promise<void>;
  stopping: boolean;
}

export class WorkerPool {
  private readonly members: Member[] = [];
  /** Rejects when a Worker dies, so that nothing waits for one that will never answer. */
  private readonly death = Promise.withResolvers<never>();

  constructor(writers: number, sink: SinkSpec, handlers: WorkerHandlers) {
    this.death.promise.catch(() => {});
    const threads = Math.min(writers, availableParallelism());
    for (let index = 0; index < threads; index++) {
      const buffers = createRing(RING_BYTES);
      const worker = new Worker(WORKER_URL);
      const ready = Promise.withResolvers<void>();
      const stopped = Promise.withResolvers<void>();
      const member: Member = { worker, ring: new RingWriter(buffers), ready: ready.promise, stopped: stopped.promise, stopping: false };
      /** Why the Worker is exiting, when it said so first. */
      let failure: string | undefined;
      worker.onmessage = (event: MessageEvent<WorkerReport>) => {
        const report = event.data;
        if (report.type === "committed") handlers.onCommit(report);
        else if (report.type === "retry") handlers.onRetry(report, index);
        else if (report.type === "log") handlers.onLog(report, index);
        else if (report.type === "failed") failure = report.reason;
        else if (report.type === "ready") ready.resolve();
        else stopped.resolve();
      };
      const onDeath = (reason: string) => {
        this.death.reject(new Error(`worker ${index} died: ${reason}`));
        handlers.onDeath(index, reason);
      };
      worker.addEventListener("close", () => {
        stopped.resolve();
        if (!member.stopping || failure) onDeath(failure ?? "worker exited");
      });
      worker.onerror = (event) => onDeath(event.message);
      const share = Math.floor(writers / threads) + (index < writers % threads ? 1 : 0);
      worker.postMessage({ type: "init", index, writers: share, ring: buffers, sink } satisfies WorkerInit);
      this.members.push(member);
    }
  }

  get size() {
    return this.members.length;
  }

  ready(): Promise<void> {
    return Promise.race([Promise.all(this.members.map((m) => m.ready)).then(() => {}), this.death.promise]);
  }

  /**
   * Sends a record to a Worker: at once, returning nothing, when its ring has room; else a promise
   * that waits while the ring is full and rejects once a Worker died (its ring would never drain).
   * So the hot path makes no promise per record.
   */
  send(index: number, type: number, body: Uint8Array, wake = true): void | Promise<void> {
    const { ring, worker } = this.members[index]!;
    if (body.byteLength > ring.maxBody) {
      // Too large for the ring: the record goes by message, and the ring keeps its place in order.
      worker.postMessage({ type: "large", recordType: type, body: body.slice() } satisfies LargeRecord);
      return this.send(index, RecordType.Large, new Uint8Array(0), wake);
    }
    if (!ring.tryWrite(type, body, wake)) return Promise.race([ring.write(type, body, wake), this.death.promise]);
  }

  /** Closes the rings and waits for the Workers to commit what they hold; true if they did in time. */
  async stop(timeoutMs: number): Promise<boolean> {
    for (const m of this.members) {
      m.stopping = true;
      m.ring.close();
    }
    const drained = await Promise.race([
      Promise.all(this.members.map((m) => m.stopped)).then(() => true),
      Bun.sleep(timeoutMs).then(() => false),
    ]);
    for (const m of this.members) m.worker.terminate();
    return drained;
  }
}
