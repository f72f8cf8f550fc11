// `tick-ingester verify`: the range to check against the sequencer, and whether to repair. The
// connection settings are run's, so the same environment or .env file serves both.
import type { ConfigOf, Field } from "./load.ts";
import { ingesterFields } from "./ingester.ts";
import { boolean, oneOf, uint64, wholeNumber } from "./values.ts";

const field = <T>(f: Field<T>) => f;

export const verifyFields = {
  continuumGrpcUrl: ingesterFields.continuumGrpcUrl,
  databaseUrl: { ...ingesterFields.databaseUrl, help: "TimescaleDB/PostgreSQL connection string (required)" },
  serviceName: ingesterFields.serviceName,
  grpcTls: ingesterFields.grpcTls,
  grpcCaFile: ingesterFields.grpcCaFile,
  from: field({ env: "VERIFY_FROM", flag: "--from", schema: uint64, help: "First tick to check (default: the oldest stored tick)" }),
  to: field({
    env: "VERIFY_TO",
    flag: "--to",
    schema: uint64,
    help: "Last tick to check, below the stream's checkpoint (default: the tick before the checkpoint)",
  }),
  repair: field({
    env: "VERIFY_REPAIR",
    flag: "--repair",
    schema: boolean,
    default: "false",
    help: "Rewrite every tick whose problem the sequencer can settle, from the tick it serves",
    boolean: true,
  }),
  output: field({
    env: "VERIFY_OUTPUT",
    flag: "--output",
    schema: oneOf(["text", "json"]),
    default: "text",
    help: "text: one line per problem and a summary; json: one JSON object",
  }),
  getTickOnly: field({
    env: "VERIFY_GET_TICK_ONLY",
    flag: "--get-tick-only",
    schema: boolean,
    default: "false",
    help:
      "Fetch every tick with GetTick, instead of reading the range with StreamTicks " +
      "and fetching with GetTick only what the stream skips",
    boolean: true,
  }),
  concurrency: field({
    env: "VERIFY_CONCURRENCY",
    flag: "--concurrency",
    schema: wholeNumber(1, 1024),
    default: "128",
    help: "GetTick calls in flight",
  }),
};

export type VerifyConfig = ConfigOf<typeof verifyFields>;

export function checkVerify(config: VerifyConfig): string[] {
  const problems: string[] = [];
  if (config.continuumGrpcUrl === undefined) problems.push("CONTINUUM_GRPC_URL is required (e.g. localhost:50051)");
  if (config.databaseUrl === undefined) problems.push("DATABASE_URL is required (e.g. postgres://user:password@host:5432/db)");
  if (config.from !== undefined && config.to !== undefined && config.from > config.to)
    problems.push(`--from=${config.from} is after --to=${config.to}`);
  return problems;
}

export const VERIFY_HELP = `
Every tick from --from to --to is read from the sequencer (StreamTicks over the range, GetTick
for each tick the stream does not deliver; --get-tick-only: GetTick for every tick). It must be
stored exactly once in ticks, vdf_proofs and tick_transactions, each column as served, or be
accounted for: a tick_rejects row, or a tick_gaps range the sequencer still cannot fill. Between stored ticks the VDF chain must
hold, or a chain_breaks row say where it does not. Ticks older than the sequencer's history are
checked for consistency only.

Output: one line per problem (tick, kind, what differs: table.column, stored and served values
shortened) and a summary on stdout; progress on stderr every 2 s. Exit status: 0 clean, 1 a
problem found (with --repair: one left), 2 bad arguments or the database or sequencer unreachable.

--repair rewrites each tick the sequencer can settle (missing, half-written, mismatched, in a gap
it now serves) from the served tick, in a transaction that also cuts its gap and reject records, and only
below the stream's checkpoint: safe beside a running ingester.
`;
