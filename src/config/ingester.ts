// The ingester's configuration: the variables operators already set, with their names and defaults,
// and the few this service adds. `tick-ingester run --help` prints this table.
import { CONSOLE_FORMATS } from "../sink/console-writer.ts";
import type { ConfigOf, Field } from "./load.ts";
import { boolean, byteSize, duration, hostPort, interval, oneOf, postgresUrl, text, uint64, wholeNumber } from "./values.ts";

const field = <T>(f: Field<T>) => f;

export const databaseFields = {
  databaseUrl: field({
    env: "DATABASE_URL",
    schema: postgresUrl,
    help: "TimescaleDB/PostgreSQL connection string (required when OUTPUT_MODE=timescale)",
    secret: true,
  }),
};

// Read by migrate, and by run --migrate, which applies the schema the same way.
export const policyFields = {
  compressAfter: field({
    env: "COMPRESS_AFTER",
    schema: interval,
    default: "1 day",
    help: "TimescaleDB compresses tick data older than this (PostgreSQL interval)",
  }),
  retainFor: field({
    env: "RETAIN_FOR",
    schema: interval,
    default: "7 days",
    help: "TimescaleDB drops tick data older than this (PostgreSQL interval)",
  }),
};

export const ingesterFields = {
  continuumGrpcUrl: field({
    env: "CONTINUUM_GRPC_URL",
    schema: hostPort,
    help: "Continuum gRPC endpoint, e.g. localhost:50051 (required)",
  }),
  ...databaseFields,
  serviceName: field({
    env: "SERVICE_NAME",
    schema: text,
    default: "tick-ingester",
    help: "Service identifier; also names the stream's checkpoint",
  }),
  env: field({
    env: "ENV",
    schema: oneOf(["development", "staging", "production"]),
    default: "development",
    help: "Environment: development/staging/production",
  }),
  startTick: field({
    env: "START_TICK",
    schema: uint64,
    default: "0",
    help: "Starting tick when the database has no checkpoint yet (0 = latest)",
  }),
  dbMaxConnections: field({ env: "DB_MAX_CONNECTIONS", schema: wholeNumber(1, 10_000), default: "100", help: "Max database connections" }),
  dbMinConnections: field({
    env: "DB_MIN_CONNECTIONS",
    schema: wholeNumber(0, 10_000),
    default: "10",
    help: "Accepted for compatibility; no effect (no pool keeps idle connections)",
  }),
  bufferSize: field({ env: "BUFFER_SIZE", schema: wholeNumber(1, 10_000_000), default: "10000", help: "Tick buffer capacity" }),
  bufferBytes: field({
    env: "BUFFER_BYTES",
    schema: byteSize,
    default: "64MiB",
    help: "Bytes of tick messages and rejects in flight (not yet committed); reading waits above it",
  }),
  workerCount: field({
    env: "WORKER_COUNT",
    schema: wholeNumber(1, 256),
    default: "8",
    help: "Batch writers: concurrent database transactions, on up to one Worker thread per CPU core",
  }),
  batchSize: field({
    env: "BATCH_SIZE",
    schema: wholeNumber(1, 100_000),
    default: "250",
    help:
      "Ticks per batch write; up to 16 times as many (within half of BUFFER_SIZE) while more than twice as many wait for their commit; " +
      "a batch closes earlier when its Worker thread has nothing else to commit",
  }),
  flushInterval: field({
    env: "FLUSH_INTERVAL",
    schema: duration,
    default: "100ms",
    help: "Longest a batch waits for more ticks while its Worker thread is busy with earlier batches",
  }),
  outputMode: field({
    env: "OUTPUT_MODE",
    schema: oneOf(["timescale", "console"]),
    default: "timescale",
    help: "Output: timescale or console",
  }),
  outputFormat: field({
    env: "OUTPUT_FORMAT",
    schema: oneOf(CONSOLE_FORMATS),
    default: "json",
    help: "Console format: json, compact or table",
  }),
  healthCheckPort: field({
    env: "HEALTH_CHECK_PORT",
    schema: wholeNumber(0, 65_535),
    default: "8081",
    help: "Health check HTTP port (0 = any free port)",
  }),
  healthCheckHost: field({ env: "HEALTH_CHECK_HOST", schema: text, default: "0.0.0.0", help: "Health check HTTP bind address" }),
  readyMaxLag: field({
    env: "READY_MAX_LAG",
    schema: duration,
    default: "10s",
    help: "/ready fails when the newest committed tick is older than this",
  }),
  readyReconnectGrace: field({
    env: "READY_RECONNECT_GRACE",
    schema: duration,
    default: "30s",
    help: "/ready stays ready while the stream reconnects for up to this long",
  }),
  logLevel: field({
    env: "LOG_LEVEL",
    schema: oneOf(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
    default: "info",
    help: "Log level",
  }),
  shutdownTimeout: field({
    env: "SHUTDOWN_TIMEOUT",
    schema: duration,
    default: "30s",
    help: "Time allowed to drain and flush on SIGINT/SIGTERM",
  }),
  grpcTls: field({ env: "GRPC_TLS", schema: boolean, default: "false", help: "Connect to Continuum over TLS", boolean: true }),
  grpcCaFile: field({
    env: "GRPC_CA_FILE",
    schema: text,
    help: "PEM file of the CA that signed the Continuum server's certificate (with GRPC_TLS; default: the system's CAs)",
  }),
  streamIdleTimeout: field({
    env: "STREAM_IDLE_TIMEOUT",
    schema: duration.refine((ms) => ms > 0, "expected a duration above 0 (0 would give up on every stream at once)"),
    default: "10s",
    help: "Reconnect when the stream sends nothing for this long",
  }),
  migrate: field({
    env: "MIGRATE",
    schema: boolean,
    default: "false",
    help: "Apply pending schema migrations before starting",
    boolean: true,
  }),
  batchBytes: field({
    env: "BATCH_BYTES",
    schema: wholeNumber(1024, 1 << 30),
    default: "16777216",
    help: "A batch closes once its ticks' bytes reach this, even below BATCH_SIZE: a batch holds at most this plus one tick",
  }),
  dbStatementTimeout: field({
    env: "DB_STATEMENT_TIMEOUT",
    schema: duration,
    default: "30s",
    help: "Longest one database statement may run; a batch transaction gets twice this before its connection is abandoned",
  }),
  databaseCaFile: field({
    env: "DATABASE_CA_FILE",
    schema: text,
    help:
      "PEM file of the CA that signed the database server's certificate, for sslmode=verify-full or verify-ca " +
      "(sslrootcert in DATABASE_URL wins; default: the system's CAs)",
  }),
  batchStuckAfter: field({
    env: "BATCH_STUCK_AFTER",
    schema: duration,
    default: "2m",
    help: "/health fails when a batch has waited this long for its commit (tick_ingester_oldest_uncommitted_batch_seconds)",
  }),
  ...policyFields,
};

export type IngesterConfig = ConfigOf<typeof ingesterFields>;

/** Connections besides the workers': checkpoint and backfill (2), the stream's lock, the readiness probe. */
export const SUPPORT_CONNECTIONS = 4;

export function checkIngester(config: IngesterConfig): string[] {
  const problems: string[] = [];
  if (config.continuumGrpcUrl === undefined) problems.push("CONTINUUM_GRPC_URL is required (e.g. localhost:50051)");
  if (config.outputMode === "timescale" && config.databaseUrl === undefined)
    problems.push("DATABASE_URL is required when OUTPUT_MODE=timescale");
  if (config.dbMinConnections > config.dbMaxConnections)
    problems.push(`DB_MIN_CONNECTIONS=${config.dbMinConnections} exceeds DB_MAX_CONNECTIONS=${config.dbMaxConnections}`);
  if (config.outputMode === "timescale" && config.workerCount + SUPPORT_CONNECTIONS > config.dbMaxConnections)
    problems.push(
      `WORKER_COUNT=${config.workerCount} needs ${config.workerCount + SUPPORT_CONNECTIONS} database connections ` +
        `(one per worker and ${SUPPORT_CONNECTIONS} more), more than DB_MAX_CONNECTIONS=${config.dbMaxConnections}`,
    );
  return problems;
}

// Its logs follow the same variables as run's.
export const migrateFields = {
  ...databaseFields,
  databaseCaFile: ingesterFields.databaseCaFile,
  ...policyFields,
  serviceName: ingesterFields.serviceName,
  env: ingesterFields.env,
  logLevel: ingesterFields.logLevel,
};

export type MigrateConfig = ConfigOf<typeof migrateFields>;

export function checkMigrate(config: MigrateConfig): string[] {
  return config.databaseUrl === undefined ? ["DATABASE_URL is required (e.g. postgres://user:password@host:5432/db)"] : [];
}
