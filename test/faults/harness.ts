// The fault suite's scenario: the simulator and the ingester as separate processes (the built
// binary), a real PostgreSQL server, seeded random timings, and at the end a check of the database
// against the ticks the simulator serves, computed in this process from the same options.
import { expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type postgres from "postgres";
import type { Faults, Simulator, SimulatorOptions } from "../../src/simulator/index.ts";
import { startSimulator } from "../../src/simulator/index.ts";
import { KeyedRandom } from "../../src/simulator/random.ts";
import { migratedDatabase } from "../support/database.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startTimescaleServer } from "../support/timescale-server.ts";
import {
  openSql,
  ingesterCommand,
  simulatorFlags,
  spawnIngester,
  spawnSimulator,
  waitForCheckpoint,
  waitUntilStarted,
  type IngesterProcess,
  type SimulatorProcess,
} from "../support/processes.ts";
import { verifyTicks } from "../support/verify.ts";
import { record } from "./report.ts";

export const FIRST = 51_548_050_841n;
export const STREAM = "fault-suite";
/** Genesis of streams served as fast as they are read: fixed, so tick content depends on the seed only. */
const FIXED_GENESIS = 1_768_028_416_704_159n;

/** FAULT_SEED, or a new one printed so that the run can be replayed. */
export function faultSeed(): number {
  const text = process.env.FAULT_SEED;
  if (text === undefined) {
    const seed = Math.floor(Math.random() * 0xffff_ffff);
    process.env.FAULT_SEED = String(seed);
    console.log(`FAULT_SEED=${seed} (set it to replay this run's timings and ticks)`);
    return seed;
  }
  if (!/^\d+$/.test(text) || Number(text) > 0xffff_ffff) throw new Error(`FAULT_SEED must be a whole number below 2^32, got "${text}"`);
  return Number(text);
}

export interface StreamPlan {
  count: number;
  /** Ticks per second produced from now on (the sequencer's pace); 0: as fast as they are read. */
  rate?: number;
  faults?: Faults;
  txRatio?: number;
  txsPerTick?: number;
  payloadBytes?: number;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class Scenario {
  /** SIGKILLs of the ingester. */
  kills = 0;
  /** SIGKILLs of PostgreSQL. */
  postgresKills = 0;
  readonly random: KeyedRandom;
  databaseUrl = "";
  last = FIRST;
  sim: SimulatorProcess | undefined;
  private reference: Simulator | undefined;
  private readonly startedAt = performance.now();
  private readonly cleanups: Array<() => Promise<unknown>> = [];
  private readonly ingesters: IngesterProcess[] = [];

  constructor(readonly name: string) {
    this.random = new KeyedRandom(faultSeed(), 0n, Bun.hash.crc32(name));
  }

  /** A whole number of milliseconds in [min, max), from the scenario's seeded sequence. */
  between(min: number, max: number): number {
    return min + this.random.below(max - min);
  }

  /** A migrated database on the shared test server, or on `server`. */
  async database(server?: TestPostgres): Promise<string> {
    this.databaseUrl = await migratedDatabase(server?.url);
    return this.databaseUrl;
  }

  /** A PostgreSQL server of this scenario's own, to stop and kill: plain, or with TimescaleDB. */
  async postgres(kind: "postgres" | "timescale" = "postgres"): Promise<TestPostgres> {
    const server = kind === "timescale" ? await startTimescaleServer() : await startPostgres();
    this.cleanups.push(() => server.destroy());
    return server;
  }

  /** Starts `tick-ingester simulate` serving ticks FIRST .. FIRST+count-1, and the same simulator in
   * this process as the reference for the check. */
  async stream(plan: StreamPlan): Promise<SimulatorProcess> {
    const rate = plan.rate ?? 0;
    this.last = FIRST + BigInt(plan.count) - 1n;
    const options: Omit<Partial<SimulatorOptions>, "logger"> = {
      rate,
      firstTick: FIRST,
      stopAt: this.last,
      history: plan.count,
      genesisTime: rate === 0 ? FIXED_GENESIS : BigInt(Date.now()) * 1000n,
      seed: faultSeed(),
      txRatio: plan.txRatio ?? 0.2,
      txsPerTick: plan.txsPerTick ?? 2,
      payloadBytes: plan.payloadBytes ?? 256,
      faults: plan.faults ?? {},
    };
    this.reference = await startSimulator(options);
    this.cleanups.push(() => this.reference!.stop());
    const sim = await spawnSimulator([...simulatorFlags(options), "--log-level", "warn"], { binary: true });
    this.cleanups.push(() => sim.stop());
    this.sim = sim;
    return sim;
  }

  /** bin/tick-ingester run against this scenario's stream and database. */
  ingester(env: Record<string, string> = {}): IngesterProcess {
    const proc = spawnIngester(
      {
        CONTINUUM_GRPC_URL: this.sim!.address,
        DATABASE_URL: this.databaseUrl,
        SERVICE_NAME: STREAM,
        START_TICK: FIRST.toString(),
        WORKER_COUNT: "2",
        ...env,
      },
      [],
      ingesterCommand({ binary: true }),
    );
    this.ingesters.push(proc);
    this.cleanups.push(async () => {
      proc.proc.kill("SIGKILL");
      await proc.exited;
    });
    return proc;
  }

  /** SIGKILL; the process must still have been running. */
  async sigkill(proc: IngesterProcess) {
    if (proc.proc.exitCode !== null)
      throw new Error(`the ingester exited by itself (code ${proc.proc.exitCode}) before the kill:\n${proc.output()}`);
    proc.proc.kill("SIGKILL");
    await proc.exited;
    this.kills++;
  }

  /** Every tick below this one is committed. */
  async checkpoint(): Promise<bigint> {
    const sql = openSql(this.databaseUrl);
    try {
      const [row] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${STREAM}`;
      return row ? BigInt(row.next_tick) : FIRST;
    } finally {
      await sql.end();
    }
  }

  async waitFor(next: bigint, proc: IngesterProcess, timeoutMs = 90_000) {
    await waitForCheckpoint(this.databaseUrl, STREAM, next, timeoutMs, proc);
  }

  /** Waits until the ingester says it has started (its signal handlers are in place). */
  async started(proc: IngesterProcess, timeoutMs = 30_000) {
    await waitUntilStarted(proc, timeoutMs);
  }

  /** SIGKILL of the scenario's own PostgreSQL server. */
  async killPostgres(server: TestPostgres) {
    await server.kill();
    this.postgresKills++;
  }

  /** Waits for the whole stream to be committed, then SIGTERM: a clean exit is expected. */
  async finish(proc: IngesterProcess, timeoutMs = 90_000) {
    await this.started(proc);
    await this.waitFor(this.last + 1n, proc, timeoutMs);
    proc.proc.kill("SIGTERM");
    const code = await proc.exited;
    expect({ code, output: code === 0 ? "" : proc.output() }).toEqual({ code: 0, output: "" });
  }

  /** Checks the database against the reference, prints the scenario's line and asserts exactly once. */
  async verify(did: string, expected: { rejected?: number; gaps?: number } = {}) {
    const sql = openSql(this.databaseUrl);
    const verdict = await verifyTicks(sql, (n) => this.reference!.tick(n), FIRST, this.last);
    if (verdict.lost.length > 0) console.log(`first lost tick ${verdict.lost[0]}: ${await this.around(sql, verdict.lost[0]!)}`);
    await sql.end();
    record({
      scenario: this.name,
      kills: this.kills,
      postgresKills: this.postgresKills,
      checked: verdict.checked,
      stored: verdict.stored,
      rejected: verdict.rejected,
      gaps: verdict.gaps,
      lost: verdict.lost.length,
      duplicated: verdict.duplicated.length,
      mismatched: verdict.mismatched.length,
      seconds: (performance.now() - this.startedAt) / 1000,
      did,
    });
    expect({
      lost: verdict.lost.slice(0, 20),
      duplicated: verdict.duplicated.slice(0, 20),
      mismatched: verdict.mismatched.slice(0, 20),
    }).toEqual({
      lost: [],
      duplicated: [],
      mismatched: [],
    });
    expect(verdict.checked).toBe(Number(this.last - FIRST + 1n));
    expect({ rejected: verdict.rejected, gaps: verdict.gaps }).toEqual({ rejected: expected.rejected ?? 0, gaps: expected.gaps ?? 0 });
    expect(verdict.stored).toBe(verdict.checked - verdict.rejected - verdict.gaps);
    const second = await this.verifyCommand();
    console.log(`  tick-ingester verify: ${second.stdout.trim().split("\n").at(-1)}`);
    expect({ code: second.code, output: second.code === 0 ? "" : second.stdout + second.stderr }).toEqual({ code: 0, output: "" });
  }

  /** `tick-ingester verify` over the scenario's range: a second opinion, from the sequencer's side. */
  private async verifyCommand() {
    const proc = Bun.spawn([...ingesterCommand({ binary: true }), "verify", "--from", FIRST.toString(), "--to", this.last.toString()], {
      env: { PATH: process.env.PATH!, CONTINUUM_GRPC_URL: this.sim!.address, DATABASE_URL: this.databaseUrl, SERVICE_NAME: STREAM },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, code };
  }

  /** What the database says near a tick: the committed ranges next to it and the checkpoint. */
  private async around(sql: postgres.Sql, tick: string): Promise<string> {
    const ranges = await sql`
      SELECT first_tick::text AS first, last_tick::text AS last, committed_at::text AS at FROM ingest_ranges
      WHERE stream = ${STREAM} AND last_tick >= ${tick}::numeric - 1000 AND first_tick <= ${tick}::numeric + 1000 ORDER BY first_tick`;
    const stored = await sql`
      SELECT min(tick_number)::text AS min, max(tick_number)::text AS max, count(*)::int AS n FROM ticks
      WHERE tick_number BETWEEN ${tick}::numeric - 1000 AND ${tick}::numeric + 1000`;
    return JSON.stringify({
      checkpoint: String(await this.checkpoint()),
      ranges: ranges.map((r) => ({ ...r })),
      storedNear: { ...stored[0] },
    });
  }

  /** Writes what the processes printed to a directory, for a failure to be looked into. */
  saveLogs(): string {
    const dir = join(tmpdir(), `tick-ingester-faults-${faultSeed()}`, this.name.replaceAll("/", "-"));
    mkdirSync(dir, { recursive: true });
    this.ingesters.forEach((proc, i) => writeFileSync(join(dir, `ingester-${i + 1}.log`), proc.output()));
    if (this.sim) writeFileSync(join(dir, "simulator.log"), this.sim.output());
    return dir;
  }

  async cleanup() {
    for (const step of this.cleanups.splice(0).reverse()) await step().catch(() => {});
  }
}

/** Runs a scenario and always stops what it started. */
export async function scenario(name: string, body: (s: Scenario) => Promise<void>) {
  const s = new Scenario(name);
  try {
    await body(s);
  } catch (error) {
    console.log(`scenario ${name} failed (FAULT_SEED=${faultSeed()}); its processes' output is in ${s.saveLogs()}`);
    throw error;
  } finally {
    await s.cleanup();
  }
}
