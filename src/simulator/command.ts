// `tick-ingester simulate`: the simulator as a process. The first stdout line is the JSON log line
// {"msg":"listening","address":"HOST:PORT",...}, whatever the log level, so scripts can find the port.
import pino from "pino";
import { faultsOf, type SimulatorConfig } from "../config/simulator.ts";
import { startSimulator } from "./index.ts";
import { WORKLOADS } from "./workloads.ts";

/** For log lines: uint64 values as decimal strings, which no JSON reader rounds. */
const printable = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

export async function simulate(config: SimulatorConfig): Promise<number> {
  const log = pino({ name: "simulator", level: "info" });
  const preset = WORKLOADS[config.workload];
  const options = {
    listen: config.listen,
    rate: config.rate,
    firstTick: config.firstTick,
    stopAt: config.stopAt,
    history: config.history,
    genesisTime: config.genesisTime,
    txRatio: config.txRatio ?? preset.txRatio,
    txsPerTick: config.txsPerTick ?? preset.txsPerTick,
    payloadBytes: config.payloadBytes ?? preset.payloadBytes,
    seed: config.seed,
    faults: faultsOf(config),
    logger: log,
  };
  let simulator;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    log.error({ err: error }, "could not start");
    return 1;
  }
  const { logger: _, faults, ...settings } = options;
  log.info({ address: simulator.address }, "listening");
  log.level = config.logLevel;
  log.info(printable({ ...settings, faults, head: simulator.head() }) as object, "serving");
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  log.info({ signal }, "stopping");
  await simulator.stop();
  log.info("stopped");
  return 0;
}
