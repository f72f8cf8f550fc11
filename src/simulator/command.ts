// `tick-ingester simulate`: the simulator as a process. The first stdout line is the JSON log line
// {"msg":"listening","address":"HOST:PORT",...}, whatever the log level, so scripts can find the port.
// Its logs are the service's JSON lines in every ENV, since scripts read them.
import { faultsOf, type SimulatorConfig } from "../config/simulator.ts";
import { createLogger } from "../ops/logger.ts";
import { startSimulator } from "./index.ts";
import { WORKLOADS } from "./workloads.ts";

export async function simulate(config: SimulatorConfig): Promise<number> {
  const log = createLogger({ env: "production", level: "info", serviceName: "simulator" });
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
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    log.error({ err: error }, "could not start");
    return 1;
  }
  const { logger: _, faults, ...settings } = options;
  log.info({ address: simulator.address }, "listening");
  log.level = config.logLevel;
  // uint64 values are logged as strings of digits, which no JSON reader rounds.
  log.info({ ...settings, faults, head: simulator.head() }, "serving");
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  log.info({ signal }, "stopping");
  await simulator.stop();
  log.info("stopped");
  return 0;
}
