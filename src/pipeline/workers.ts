// The main thread's side of the Workers: one ring each, started together, stopped by closing
// their rings (they drain, commit what they hold and say so) or, past a deadline, terminated.
import { MAX_TICK_BYTES } from "../source/continuum-client.ts";
import type { CommitReport, LogReport, SinkSpec, WorkerInit, WorkerReport } from "./batch-protocol.ts";
import { createRing, RingWriter } from "./ring.ts";

/** Room for the largest tick twice over; the ring restarts at its beginning whenever it is empty,
 * so in steady state little of it is ever touched. */
const RING_BYTES = 2 * MAX_TICK_BYTES + (1 << 20);

export interface WorkerHandlers {
  onCommit(report: CommitReport): void;
  onLog(report: LogReport, worker: number): void;
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

  constructor(count: number, sink: SinkSpec, handlers: WorkerHandlers) {
    for (let index = 0; index < count; index++) {
      const buffers = createRing(RING_BYTES);
      const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
      let markReady!: () => void;
      let markStopped!: () => void;
      const member: Member = {
        worker,
        ring: new RingWriter(buffers),
        ready: new Promise((resolve) => (markReady = resolve)),
        stopped: new Promise((resolve) => (markStopped = resolve)),
        stopping: false,
      };
      worker.onmessage = (event: MessageEvent<WorkerReport>) => {
        const report = event.data;
        if (report.type === "committed") handlers.onCommit(report);
        else if (report.type === "log") handlers.onLog(report, index);
        else if (report.type === "ready") markReady();
        else markStopped();
      };
      worker.addEventListener("close", () => {
        markStopped();
        if (!member.stopping) handlers.onDeath(index, "worker exited");
      });
      worker.onerror = (event) => handlers.onDeath(index, event.message);
      worker.postMessage({ type: "init", index, ring: buffers, sink } satisfies WorkerInit);
      this.members.push(member);
    }
  }

  get size() {
    return this.members.length;
  }

  ready(): Promise<void> {
    return Promise.all(this.members.map((m) => m.ready)).then(() => {});
  }

  ring(index: number): RingWriter {
    return this.members[index]!.ring;
  }

  /** Bytes waiting in the rings. */
  bufferedBytes(): number {
    return this.members.reduce((sum, m) => sum + m.ring.used(), 0);
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
