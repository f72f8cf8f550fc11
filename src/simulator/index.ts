// The Continuum sequencer simulator, for tests, benchmarks and demos: a real gRPC server on a real
// socket, serving deterministic ticks (see ticks.ts), their history, and planned faults (faults.ts).
import * as grpc from "@grpc/grpc-js";
import pino, { type Logger } from "pino";
import type { Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { Chain, nowMicros } from "./chain.ts";
import { FaultPlan, type Faults } from "./faults.ts";
import { ServedTicks } from "./served.ts";
import { sequencerDefinition, sequencerImplementation } from "./service.ts";
import { StatusAnswers } from "./status.ts";
import type { TickStream } from "./stream.ts";
import { tickTimestamp, type TickShape } from "./ticks.ts";
import { WORKLOADS } from "./workloads.ts";

export type { Faults, HostileKind, InvalidKind } from "./faults.ts";
export { BIG_NONCE, BIG_PAYLOAD_BYTES, HOSTILE_TEXT, MAX_NONCE, NUL_TEXT } from "./faulty-ticks.ts";
export { WORKLOADS, type Workload } from "./workloads.ts";

export interface SimulatorOptions {
  /** host:port; port 0 binds a free port (see Simulator.address). */
  listen: string;
  /** Ticks per second in real time; 0 produces them as fast as the client reads. */
  rate: number;
  firstTick: bigint;
  /** No tick after this one; streams stay open. */
  stopAt?: bigint;
  /** How many ticks up to the head stay available for replay and GetTick. */
  history: number;
  txRatio: number;
  /** Mean transactions in a tick that carries them; 1.5 gives 1 or 2. */
  txsPerTick: number;
  payloadBytes: number;
  seed: number;
  faults: Faults;
  /** Timestamp of the first tick, microseconds since the Unix epoch; default: when the simulator starts. */
  genesisTime?: bigint;
  /** Default: silent. */
  logger?: Logger;
  /** Serve over TLS with this PEM certificate chain and key (the CLI has no flag: tests use it). */
  tls?: { certChain: Buffer; privateKey: Buffer };
}

export interface Simulator {
  /** "127.0.0.1:PORT", as bound. */
  address: string;
  /** The tick as served (faults applied), decoded; throws for a tick served as garbage. */
  tick(n: bigint): Tick;
  /** The exact bytes served for tick n. */
  tickBytes(n: bigint): Uint8Array;
  /** The latest tick produced so far. */
  head(): bigint;
  stop(): Promise<void>;
}

export const DEFAULT_FIRST_TICK = 51_548_050_841n;
/** Timestamps advance at the production rate when ticks are produced on demand (rate 0). */
export const NOMINAL_RATE = 1000;
const SHUTDOWN_GRACE_MS = 2000;

/** The CLI's defaults (sparse workload), except that port 0 binds a free port. */
export function simulatorDefaults(overrides: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return {
    listen: "127.0.0.1:0",
    rate: NOMINAL_RATE,
    firstTick: DEFAULT_FIRST_TICK,
    history: 100_000,
    ...WORKLOADS.sparse,
    seed: 1,
    faults: {},
    ...overrides,
  };
}

function bind(server: grpc.Server, listen: string, tls: SimulatorOptions["tls"]): Promise<string> {
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: tls.certChain, private_key: tls.privateKey }])
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(listen, credentials, (error, port) => {
      if (error) reject(new Error(`cannot listen on ${listen}: ${error.message}`));
      else resolve(`${listen.slice(0, listen.lastIndexOf(":"))}:${port}`);
    });
  });
}

function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

export async function startSimulator(options: Partial<SimulatorOptions>): Promise<Simulator> {
  const config = simulatorDefaults(options);
  const log = config.logger ?? pino({ level: "silent" });
  const genesisMicros = config.genesisTime ?? nowMicros();
  const shape: TickShape = {
    seed: config.seed,
    firstTick: config.firstTick,
    genesisMicros,
    ticksPerSecond: config.rate > 0 ? config.rate : NOMINAL_RATE,
    txRatio: config.txRatio,
    txsPerTick: config.txsPerTick,
    payloadBytes: config.payloadBytes,
  };
  const chain = new Chain({ ...config, genesisMicros, timestampOf: (n) => tickTimestamp(shape, n) });
  const plan = new FaultPlan(config.faults, config.firstTick);
  const served = new ServedTicks(shape, plan);
  const streams = new Set<TickStream>();
  const server = new grpc.Server();
  server.addService(sequencerDefinition, sequencerImplementation({ chain, served, plan, log }, new StatusAnswers(chain, served), streams));
  const address = await bind(server, config.listen, config.tls);
  return {
    address,
    tick: (n) => served.tick(n),
    tickBytes: (n) => served.bytes(n),
    head: () => chain.head(),
    stop: async () => {
      for (const stream of streams) stream.breakOff("simulator stopping");
      await shutdown(server);
    },
  };
}
