// The service's logger: one JSON object per line in staging and production, colored readable
// lines in development. Field names are part of the README's contract (Logs): level (a label), timestamp, msg.
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import pretty from "pino-pretty";
import { redactUrl } from "../config/values.ts";
import { scrubSecrets } from "./scrub.ts";

export type { Logger };

export interface CreateLoggerOptions {
  env: "development" | "staging" | "production";
  level: string;
  serviceName: string;
  /** Where lines go; standard output when absent. */
  destination?: NodeJS.WritableStream;
}

// Fields that may hold a secret anywhere a caller could put them (top level or one level down).
const SECRET_KEYS = ["password", "databaseUrl", "DATABASE_URL", "connectionString", "authorization"];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`]);

export function createLogger(options: CreateLoggerOptions): Logger {
  const settings: LoggerOptions = {
    level: options.level,
    base: { service: options.serviceName },
    messageKey: "msg",
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ level: label }),
      bindings: safeFields,
      log: safeFields,
    },
    redact: { paths: REDACT_PATHS, censor: hideSecret },
    serializers: { err: serializeError, msg: (message: unknown) => (typeof message === "string" ? scrubSecrets(message) : message) },
  };
  const logger = pino(settings, destinationFor(options));
  // pino applies formatters.bindings to the root's bindings only; children (which inherit this
  // method) get their bindings made safe here.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, safeFields(bindings), childOptions);
  } as Logger["child"];
  return logger;
}

// Pretty printing runs in this thread (sync: true), not as a pino transport: transports start a
// worker thread from a file path, which a `bun build --compile` binary does not have.
function destinationFor(options: CreateLoggerOptions): DestinationStream {
  if (options.env === "development") {
    return pretty({
      sync: true,
      destination: options.destination ?? 1,
      timestampKey: "timestamp",
      messageKey: "msg",
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "service",
    });
  }
  return (options.destination as DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: true });
}

/** A URL keeps its host and loses its password; anything else under a secret key is hidden whole. */
function hideSecret(value: unknown): unknown {
  return typeof value === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : "***";
}

/** pino's err serializer (message and stack include every cause), with passwords scrubbed from the text. */
function serializeError(error: unknown) {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized === (error as unknown)) return error; // not an Error: pino leaves it as it is
  for (const [key, value] of Object.entries(serialized)) {
    if (typeof value === "string") serialized[key] = scrubSecrets(value);
  }
  return serialized;
}

/**
 * Every field on its way out: bigints (tick numbers are uint64) become strings of digits, since
 * most JSON readers (JavaScript's JSON.parse, Elasticsearch, Loki) turn a number above 2^53 into
 * the nearest double and would report another tick; strings lose any password they quote.
 */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  let changed: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    const safe = safeValue(value);
    if (safe !== value) (changed ??= { ...fields })[key] = safe;
  }
  return changed ?? fields;
}

function safeValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return scrubSecrets(value);
  if (Array.isArray(value)) return value.some((item) => safeValue(item) !== item) ? value.map(safeValue) : value;
  if (isPlainObject(value)) return safeFields(value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
