// The pieces of an end-to-end pipeline test: the simulator in this process, the ingester as a
// separate process, a graceful stop, and the tick-by-tick check of the database against the stream.
import { expect } from "bun:test";
import { simulatorDefaults, startSimulator, type Faults, type Simulator } from "../../src/simulator/index.ts";
import { query, spawnIngester, waitForCheckpoint, waitUntilStarted, type IngesterProcess } from "./processes.ts";
import { verifyTicks } from "./verify.ts";

export const FIRST = 51_548_050_841n;
export const STREAM = "test-stream";
export const exactlyOnce = { lost: [], duplicated: [], mismatched: [] };

/** What a test started, stopped in reverse order by `stopAll` (call it from afterEach). */
export class PipelineParts {
  private readonly steps: Array<() => Promise<unknown>> = [];

  add(step: () => Promise<unknown>) {
    this.steps.push(step);
  }

  async stopAll() {
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => {});
  }

  /** Ticks FIRST .. FIRST+count-1, a fifth of them with transactions; `genesisTime` dates the first. */
  async simulator(count: number, options: { faults?: Faults; rate?: number; genesisTime?: bigint } = {}): Promise<Simulator> {
    const sim = await startSimulator(
      simulatorDefaults({
        rate: options.rate ?? 0,
        firstTick: FIRST,
        stopAt: FIRST + BigInt(count) - 1n,
        txRatio: 0.2,
        txsPerTick: 2,
        faults: options.faults ?? {},
        seed: 7,
        genesisTime: options.genesisTime,
      }),
    );
    this.add(() => sim.stop());
    return sim;
  }

  ingester(sim: Simulator, databaseUrl: string, env: Record<string, string> = {}): IngesterProcess {
    const proc = spawnIngester({
      CONTINUUM_GRPC_URL: sim.address,
      DATABASE_URL: databaseUrl,
      SERVICE_NAME: STREAM,
      START_TICK: FIRST.toString(),
      WORKER_COUNT: "2",
      ...env,
    });
    this.add(async () => {
      proc.proc.kill("SIGKILL");
      await proc.exited;
    });
    return proc;
  }
}

export async function stopGracefully(proc: IngesterProcess) {
  // A signal before the process has set up its handlers would end it as a signal does.
  await waitUntilStarted(proc).catch(() => {}); // an ingester that never started is reported by its exit code below
  proc.proc.kill("SIGTERM");
  const code = await proc.exited;
  expect({ code, output: code === 0 ? "" : proc.output() }).toEqual({ code: 0, output: "" });
}

/** The database against the simulator's ticks FIRST .. FIRST+count-1. */
export function verify(databaseUrl: string, sim: Simulator, count: number) {
  return query(databaseUrl, (sql) => verifyTicks(sql, (n) => sim.tick(n), FIRST, FIRST + BigInt(count) - 1n));
}

/** Waits until the ingester has committed all `count` ticks, stops it gracefully, and checks the database tick by tick. */
export async function finishAndVerify(proc: IngesterProcess, databaseUrl: string, sim: Simulator, count: number) {
  await waitForCheckpoint(databaseUrl, STREAM, FIRST + BigInt(count), 90_000, proc);
  await stopGracefully(proc);
  return verify(databaseUrl, sim, count);
}
