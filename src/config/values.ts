// Parsers for the string values that arrive from the environment, a .env file or a flag.
// Each one rejects what it cannot read exactly: nothing falls back to a default silently.
import { z } from "zod";

const UINT64_MAX = (1n << 64n) - 1n;
const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

/** A decimal such as a fraction of ticks: 0.0015, 1, 1.5. */
export const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, "expected a decimal number like 0.0015 or 1.5")
    .transform(Number)
    .pipe(z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

/** A uint64 such as a tick number: kept as a bigint, never a JavaScript number. */
export const uint64 = z
  .string()
  .regex(/^\d+$/, "expected a whole number from 0 to 2^64-1")
  .transform(BigInt)
  .refine((n) => n <= UINT64_MAX, "expected a whole number from 0 to 2^64-1");

/** A duration as the configuration writes it: 100ms, 2s, 1m, 1h; the result is in milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, "expected a duration like 100ms, 2s or 1m")
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(text)!;
    return Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
  });

const BYTE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/** A size in bytes above 0: 4194304, 512KiB, 64MiB, 1GiB. */
export const byteSize = z
  .string()
  .regex(/^\d+(B|KiB|MiB|GiB)?$/, "expected a size like 67108864, 512KiB, 64MiB or 1GiB")
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(B|KiB|MiB|GiB)?$/.exec(text)!;
    return Number(amount) * BYTE_UNITS[(unit ?? "B") as keyof typeof BYTE_UNITS];
  })
  .pipe(z.number().min(1, "expected a size above 0").max(Number.MAX_SAFE_INTEGER, "expected a size below 8 PiB"));

export const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" })
  .transform((text) => text === "true" || text === "1" || text === "yes");

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(", ")}` });

export const text = z.string().min(1, "expected a non-empty value");

/** host:port, as grpc-js dials it. */
export const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:/]+):\d{1,5}$/, "expected host:port, e.g. localhost:50051");

export const postgresUrl = z.string().refine((value) => {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "expected a URL like postgres://user:password@host:5432/db");

/** The URL with its password replaced, for logs and error messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    for (const key of [...url.searchParams.keys()]) {
      if (/pass/i.test(key)) url.searchParams.set(key, "***");
    }
    return url.toString();
  } catch {
    return value.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

const INTERVAL_TERM =
  "\\d+\\s*(?:microseconds?|milliseconds?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|mons?|years?|yrs?)";

/** A positive PostgreSQL interval in words, such as 1 day, 12 hours or 1 week 3 days; kept as text. */
export const interval = z
  .string()
  .regex(new RegExp(`^${INTERVAL_TERM}(?:\\s+${INTERVAL_TERM})*$`, "i"), "expected an interval like 1 day, 12 hours or 2 weeks")
  .refine((text) => /[1-9]/.test(text), "expected an interval longer than zero");
