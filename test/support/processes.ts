// The processes tests, the fault suite and the benchmarks run, as a user runs them: the simulator
// (`tick-ingester simulate`, with flags made from the options startSimulator takes in-process, so
// a test can compute what the process serves) and the ingester, configured by environment and
// flags, from source or as the built binary; and SQL against what it wrote.
import { join } from "node:path";
import postgres from "postgres";
import { fieldFlag } from "../../src/config/load.ts";
import { simulatorFields } from "../../src/config/simulator.ts";
import type { SimulatorOptions } from "../../src/simulator/index.ts";
import { builtBinary } from "./binary.ts";

const main = join(import.meta.dir, "../../src/main.ts");

export interface SpawnOptions {
  /** Run bin/tick-ingester (built first if stale) instead of `bun src/main.ts`. */
  binary?: boolean;
  /** The folder it runs in; this process's by default. */
  cwd?: string;
  /** Its whole environment; this process's by default. */
  env?: Record<string, string>;
}

/** The command that starts tick-ingester, as source or as the built binary. */
export const ingesterCommand = (options: SpawnOptions = {}) => (options.binary ? [builtBinary()] : ["bun", main]);

export interface IngesterProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Everything it printed so far, stdout then stderr. */
  output(): string;
  exited: Promise<number>;
}

/** What every spawned ingester's environment holds besides its own settings: nothing of this process's. */
export const baseEnv = (): Record<string, string> => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp" });

/** `command` runs the ingester: from source by default, or e.g. [bin/tick-ingester]. */
export function spawnIngester(
  env: Record<string, string>,
  args: string[] = [],
  command = ["bun", main],
  { cwd }: Pick<SpawnOptions, "cwd"> = {},
): IngesterProcess {
  const proc = Bun.spawn([...command, ...args], {
    cwd,
    env: { ...baseEnv(), HEALTH_CHECK_PORT: "0", LOG_LEVEL: "info", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const { output, drained } = collectOutput(proc);
  return { proc, output, exited: drained.then(() => proc.exited) };
}

/** The ingester's /metrics page on its health port; undefined while it does not answer (starting, or gone). */
export async function metricsPage(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/** A command of the command line as a user meets it, run from `/`: its exit status and its output. */
export async function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn(["bun", main, ...args], { env: { ...baseEnv(), ...env }, cwd: "/", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** Keeps reading a child's stdout and stderr (so it never blocks on a full pipe); `onStdout` sees
 * stdout as it grows. */
export function collectOutput(proc: Bun.Subprocess<"ignore", "pipe", "pipe">, onStdout?: (stdout: string) => void) {
  let stdout = "";
  let stderr = "";
  const drain = async (stream: ReadableStream<Uint8Array>, append: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([
    drain(proc.stdout, (text) => {
      stdout += text;
      onStdout?.(stdout);
    }),
    drain(proc.stderr, (text) => (stderr += text)),
  ]).then(() => {});
  return { output: () => stdout + stderr, drained };
}

/** Waits until the ingester says it has started (its signal handlers are in place); throws if it exits first. */
export async function waitUntilStarted(proc: IngesterProcess, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  while (!proc.output().includes("Ingester started")) {
    if (proc.proc.exitCode !== null || performance.now() > deadline) {
      throw new Error(`the ingester did not start (exit code ${proc.proc.exitCode}):\n${proc.output()}`);
    }
    await Bun.sleep(50);
  }
}

/** A client of the test's database, for checking what the ingester wrote. */
export const openSql = (databaseUrl: string) => postgres(databaseUrl, { max: 1, onnotice: () => {} });

/** Runs `run` on a client of its own, closed afterwards. */
export async function query<T>(databaseUrl: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = openSql(databaseUrl);
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

/** Waits until the stream's checkpoint reaches `next` (every tick below it committed). */
export async function waitForCheckpoint(databaseUrl: string, stream: string, next: bigint, timeoutMs = 60_000, ingester?: IngesterProcess) {
  const sql = openSql(databaseUrl);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const [row] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`.catch(() => []);
      if (row && BigInt(row.next_tick) >= next) return;
      if (Date.now() > deadline) {
        throw new Error(
          `checkpoint of ${stream} did not reach ${next} in ${timeoutMs} ms (it is at ${row?.next_tick ?? "none"})\n${ingester?.output() ?? ""}`,
        );
      }
      await Bun.sleep(100);
    }
  } finally {
    await sql.end();
  }
}

export interface SimulatorProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** "127.0.0.1:PORT", from its first stdout line. */
  address: string;
  /** Its first stdout line, parsed. */
  first: Record<string, unknown>;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<number>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number>;
}

type FlagOptions = Omit<Partial<SimulatorOptions>, "logger">;

/** The command-line flags that give the simulator process these options. */
export function simulatorFlags(options: FlagOptions): string[] {
  const flags: string[] = [];
  const add = (key: keyof typeof simulatorFields, value: unknown) => {
    if (value === undefined) return;
    const text = Array.isArray(value) ? value.join(",") : String(value);
    if (text !== "") flags.push(fieldFlag(simulatorFields[key]), text);
  };
  add("listen", options.listen);
  add("rate", options.rate);
  add("firstTick", options.firstTick);
  add("stopAt", options.stopAt);
  add("history", options.history);
  add("genesisTime", options.genesisTime);
  add("txRatio", options.txRatio);
  add("txsPerTick", options.txsPerTick);
  add("payloadBytes", options.payloadBytes);
  add("seed", options.seed);
  const faults = options.faults ?? {};
  add("dropEvery", faults.dropEvery);
  add("omit", faults.omit);
  add("repeat", faults.repeat);
  add(
    "invalid",
    faults.invalid?.map((f) => `${f.tick}:${f.kind}`),
  );
  add("garbage", faults.garbage);
  add(
    "stall",
    faults.stall?.map((f) => `${f.tick}:${f.ms}ms`),
  );
  add(
    "hostile",
    faults.hostile?.map((f) => `${f.tick}:${f.kind}`),
  );
  add("exhaust", faults.exhaust);
  add("leap", faults.leap);
  add(
    "junk",
    faults.junk?.map((f) => `${f.tick}:${f.count}`),
  );
  if (faults.refuseGetTick) flags.push(fieldFlag(simulatorFields.refuseGetTick));
  return flags;
}

/**
 * Starts `simulate` on a free port (unless `args` say where) and waits for its address. It runs from
 * source, as the built binary (`binary`), or as `command` (e.g. the benchmark's binary).
 */
export async function spawnSimulator(args: string[], options: SpawnOptions & { command?: string[] } = {}): Promise<SimulatorProcess> {
  const command = [...(options.command ?? ingesterCommand(options)), "simulate", "--listen", "127.0.0.1:0", ...args];
  const proc = Bun.spawn(command, { cwd: options.cwd, env: options.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let firstLine!: (line: string | undefined) => void;
  const firstLineSeen = new Promise<string | undefined>((resolve) => (firstLine = resolve));
  let seen = false;
  const { output, drained } = collectOutput(proc, (stdout) => {
    if (seen || !stdout.includes("\n")) return;
    seen = true;
    firstLine(stdout.slice(0, stdout.indexOf("\n")));
  });
  void drained.then(() => firstLine(undefined));
  const line = await firstLineSeen;
  if (line === undefined) throw new Error(`the simulator exited before its first line (exit ${await proc.exited}):\n${output()}`);
  const first = JSON.parse(line) as Record<string, unknown>;
  const exited = drained.then(() => proc.exited);
  return {
    proc,
    address: String(first.address),
    first,
    output,
    exited,
    async stop() {
      proc.kill("SIGTERM");
      return exited;
    },
  };
}
