// `tick-ingester simulate`: the simulator's settings. Flags are short (--rate); the variables carry
// a SIM_ prefix so they cannot be mistaken for the ingester's.
import { z } from "zod";
import { HOSTILE_KINDS, INVALID_KINDS, faultProblems, type Faults } from "../simulator/faults.ts";
import { WORKLOAD_NAMES } from "../simulator/workloads.ts";
import { fieldFlag, type ConfigOf, type Field } from "./load.ts";
import { boolean, decimal, duration, hostPort, oneOf, uint64, wholeNumber } from "./values.ts";

const field = <T>(f: Field<T>) => f;

/** "N,M,...": tick numbers, or "N:ARG,M:ARG,..." when `arg` parses the part after the colon. */
function tickList<T>(arg: z.ZodType<T, string> | undefined, example: string) {
  const entry = arg ? /^(\d+):(.+)$/ : /^(\d+)$/;
  return z.string().transform((text, context) => {
    const entries: { tick: bigint; arg: T }[] = [];
    for (const part of text
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "")) {
      const match = entry.exec(part);
      const parsed = match && arg ? arg.safeParse(match[2]) : undefined;
      if (!match || parsed?.success === false) {
        const reason = parsed?.success === false ? `: ${parsed.error.issues.map((i) => i.message).join("; ")}` : "";
        context.addIssue({ code: "custom", message: `"${part}" is not like ${example}${reason}` });
        return z.NEVER;
      }
      entries.push({ tick: BigInt(match[1]!), arg: parsed?.data as T });
    }
    return entries;
  });
}

const ticks = (example: string) => tickList(undefined, example).transform((entries) => entries.map((e) => e.tick));

export const simulatorFields = {
  listen: field({
    env: "SIM_LISTEN",
    flag: "--listen",
    schema: hostPort,
    default: "127.0.0.1:50051",
    help: "Address to serve on; port 0 picks a free port (the first log line gives the address)",
  }),
  rate: field({
    env: "SIM_RATE",
    flag: "--rate",
    schema: wholeNumber(0, 10_000_000),
    default: "1000",
    help: "Ticks per second in real time; 0 = as fast as clients read",
  }),
  firstTick: field({
    env: "SIM_FIRST_TICK",
    flag: "--first-tick",
    schema: uint64.refine((n) => n > 0n, "expected at least 1"),
    default: "51548050841",
    help: "Number of the chain's first tick",
  }),
  stopAt: field({
    env: "SIM_STOP_AT",
    flag: "--stop-at",
    schema: uint64,
    help: "Produce no tick after this one; streams stay open (default: never stop)",
  }),
  history: field({
    env: "SIM_HISTORY",
    flag: "--history",
    schema: wholeNumber(1, 100_000_000),
    default: "100000",
    help: "Ticks up to the head kept for replay and GetTick",
  }),
  genesisTime: field({
    env: "SIM_GENESIS_TIME",
    flag: "--genesis-time",
    schema: uint64,
    help: "Timestamp of the first tick in microseconds since the epoch (default: start time)",
  }),
  workload: field({
    env: "SIM_WORKLOAD",
    flag: "--workload",
    schema: oneOf(WORKLOAD_NAMES),
    default: "sparse",
    help: "sparse: 0.15% of ticks carry 1 or 2 transactions of 256 bytes; heavy: every tick carries 10 of 256 bytes",
  }),
  txRatio: field({
    env: "SIM_TX_RATIO",
    flag: "--tx-ratio",
    schema: decimal(0, 1),
    help: "Fraction of ticks that carry transactions (default: from --workload)",
  }),
  txsPerTick: field({
    env: "SIM_TXS_PER_TICK",
    flag: "--txs-per-tick",
    schema: decimal(0, 10_000),
    help: "Mean transactions in such a tick; 1.5 = 1 or 2 (default: from --workload)",
  }),
  payloadBytes: field({
    env: "SIM_PAYLOAD_BYTES",
    flag: "--payload-bytes",
    schema: wholeNumber(0, 64 * 1024 * 1024),
    help: "Bytes per transaction payload (default: from --workload)",
  }),
  seed: field({ env: "SIM_SEED", flag: "--seed", schema: wholeNumber(0, 0xffff_ffff), default: "1", help: "Seed of the tick contents" }),
  dropEvery: field({
    env: "SIM_DROP_EVERY",
    flag: "--drop-every",
    schema: wholeNumber(0),
    default: "0",
    help: "Fault: end the stream with UNAVAILABLE after tick first+N-1, first+2N-1, ... (once each); 0 = off",
  }),
  omit: field({
    env: "SIM_OMIT",
    flag: "--omit",
    schema: ticks("51548050900"),
    help: "Fault: leave these ticks out of every stream (GetTick still has them), e.g. 51548050900,51548050901",
  }),
  repeat: field({ env: "SIM_REPEAT", flag: "--repeat", schema: ticks("51548050900"), help: "Fault: send these ticks twice in a row" }),
  invalid: field({
    env: "SIM_INVALID",
    flag: "--invalid",
    schema: tickList(oneOf(INVALID_KINDS), `51548050900:${INVALID_KINDS[0]}`),
    help: `Fault: serve TICK:KIND as a tick that fails validation; KIND is ${INVALID_KINDS.join(", ")}`,
  }),
  garbage: field({
    env: "SIM_GARBAGE",
    flag: "--garbage",
    schema: ticks("51548050900"),
    help: "Fault: serve these ticks as bytes that are not a Tick message",
  }),
  stall: field({
    env: "SIM_STALL",
    flag: "--stall",
    schema: tickList(duration, "51548050900:5s"),
    help: "Fault: TICK:DURATION, pause before sending the tick (once)",
  }),
  hostile: field({
    env: "SIM_HOSTILE",
    flag: "--hostile",
    schema: tickList(oneOf(HOSTILE_KINDS), `51548050900:${HOSTILE_KINDS[0]}`),
    help: `Fault: TICK:KIND, valid but hostile content in the tick's first transaction; KIND is ${HOSTILE_KINDS.join(", ")}`,
  }),
  exhaust: field({
    env: "SIM_EXHAUST",
    flag: "--exhaust",
    schema: ticks("51548050900"),
    help: "Fault: end the stream with RESOURCE_EXHAUSTED (an overload, not a large tick) right after these ticks (once each)",
  }),
  leap: field({
    env: "SIM_LEAP",
    flag: "--leap",
    schema: ticks("51548050900"),
    help: "Fault: after these ticks, every stream sends the tick's content numbered 2^64-2, then 2^64-1",
  }),
  junk: field({
    env: "SIM_JUNK",
    flag: "--junk",
    schema: tickList(wholeNumber(1, 10_000_000), "51548050900:1000"),
    help: "Fault: TICK:COUNT, after the tick send COUNT messages of 64 KiB that are not Tick messages (once)",
  }),
  refuseGetTick: field({
    env: "SIM_REFUSE_GET_TICK",
    flag: "--refuse-get-tick",
    schema: boolean,
    default: "false",
    help: "Fault: GetTick answers PERMISSION_DENIED",
    boolean: true,
  }),
  logLevel: field({
    env: "SIM_LOG_LEVEL",
    flag: "--log-level",
    schema: oneOf(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
    default: "info",
    help: "Log level",
  }),
};

export type SimulatorConfig = ConfigOf<typeof simulatorFields>;

export function faultsOf(config: SimulatorConfig): Faults {
  return {
    dropEvery: config.dropEvery,
    omit: config.omit,
    repeat: config.repeat,
    invalid: config.invalid?.map(({ tick, arg }) => ({ tick, kind: arg })),
    garbage: config.garbage,
    stall: config.stall?.map(({ tick, arg }) => ({ tick, ms: arg })),
    hostile: config.hostile?.map(({ tick, arg }) => ({ tick, kind: arg })),
    exhaust: config.exhaust,
    leap: config.leap,
    junk: config.junk?.map(({ tick, arg }) => ({ tick, count: arg })),
    refuseGetTick: config.refuseGetTick,
  };
}

export function checkSimulator(config: SimulatorConfig): string[] {
  const problems: string[] = [];
  if (config.firstTick === undefined) return problems;
  if (config.stopAt !== undefined && config.stopAt < config.firstTick)
    problems.push(`SIM_STOP_AT=${config.stopAt} is before SIM_FIRST_TICK=${config.firstTick}`);
  problems.push(...faultProblems(faultsOf(config), config.firstTick, (key) => fieldFlag(simulatorFields[key])));
  return problems;
}

export const SIMULATE_HELP = `
Ticks: tick n's content is a function of --seed, --genesis-time, the workload and n, so every
replay, reconnect and GetTick serves the very same bytes. Its timestamp is genesis + (n - first)
/ rate (rate 0: 1 ms apart); its previous_output is tick n-1's VDF output.

Head: with --rate R, tick n is produced at its timestamp, so the head follows the clock. With
--rate 0, ticks are produced as clients read: the head is the furthest tick any stream has
sent (the first tick at start; a stream runs ahead of its reader by what gRPC buffers). History
is the last --history ticks up to the head. A stream that falls behind history keeps going.

StreamTicks(start_tick): start_tick 0 starts at the head; a tick older than history starts at
the oldest one kept; a tick not produced yet is waited for. After --stop-at the stream stays
open and idle. GetTick serves any tick in history (found=false otherwise); GetStatus and
GetChainState (newest first) describe the head and history; the other methods are UNIMPLEMENTED.

Faults take comma-separated lists of tick numbers, or TICK:ARG entries:
  --omit 51548050900,51548050901   --repeat 51548050900   --garbage 51548050900
  --invalid 51548050900:zero-tick,51548050910:no-vdf,51548050920:unsigned-tx
  --hostile 51548050900:tabs,51548050901:nul,51548050902:big-nonce,51548050903:max-nonce,51548050904:big-payload,51548050905:broken-chain
  --stall 51548050900:5s           --drop-every 1000
  --hostile 51548050900:two-numbers,51548050901:oversize,51548050902:zero-timestamp,51548050903:future-timestamp
  --exhaust 51548050900   --leap 51548050900
  --junk 51548050900:1000
Invalid, garbage and hostile ticks are served the same way by streams and GetTick (as a faulty
sequencer would); omitted and repeated ticks are normal ticks. unsigned-tx and hostile kinds
change the tick's first transaction, adding one when it has none. tabs: tx_id with tab,
newline, CR, backslash, \\N, "\\." line, quotes and emoji; nul: tx_id with a NUL character;
big-nonce: nonce 2^53+1; max-nonce: nonce 2^64-1; big-payload: a 4 MiB payload (clients need a
receive limit above gRPC's default 4 MiB); broken-chain: a previous_output that is not the VDF
output of the tick before (no transaction change). Stall and drop-every happen once per tick per run, the
first time a stream gets there, so a client that reconnects is not stalled or cut again there.

Output: JSON log lines on stdout; the first is {"msg":"listening","address":"HOST:PORT",...}.
SIGINT or SIGTERM ends open streams with UNAVAILABLE and exits 0.
`;
