// `tick-ingester simulate` as a separate process, started from simulator options (the same ones
// startSimulator takes in-process, so a test can compute what the process serves).
import { fieldFlag } from "../../src/config/load.ts";
import { simulatorFields } from "../../src/config/simulator.ts";
import type { SimulatorOptions } from "../../src/simulator/index.ts";
import { collectOutput, ingesterCommand, type SpawnOptions } from "./ingester.ts";

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
  add("listen", options.listen ?? "127.0.0.1:0");
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
  add("invalid", faults.invalid?.map((f) => `${f.tick}:${f.kind}`));
  add("garbage", faults.garbage);
  add("stall", faults.stall?.map((f) => `${f.tick}:${f.ms}ms`));
  add("hostile", faults.hostile?.map((f) => `${f.tick}:${f.kind}`));
  add("exhaust", faults.exhaust);
  add("leap", faults.leap);
  add("junk", faults.junk?.map((f) => `${f.tick}:${f.count}`));
  if (faults.refuseGetTick) flags.push(fieldFlag(simulatorFields.refuseGetTick));
  return flags;
}

/** Starts `simulate` with these arguments and waits for its address. */
export async function spawnSimulator(args: string[], options: SpawnOptions = {}): Promise<SimulatorProcess> {
  const proc = Bun.spawn([...ingesterCommand(options), "simulate", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
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
