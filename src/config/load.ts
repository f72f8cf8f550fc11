// One loader for every subcommand: environment, then a .env file beneath it, then flags above
// both. Every value is validated with zod before anything starts, and every bad one is reported.
import { existsSync, readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import type { z } from "zod";
import { redactUrl } from "./values.ts";

export interface Field<T = unknown> {
  /** The environment variable; the flag is its kebab case (BATCH_SIZE is --batch-size). */
  env: string;
  /** The flag, when it is not the kebab case of env (SIM_RATE is --rate). */
  flag?: string;
  schema: z.ZodType<T, string>;
  /** As the user would write it; undefined means the variable has no default. */
  default?: string;
  help: string;
  secret?: boolean;
  boolean?: boolean;
}

export type Fields = Record<string, Field>;
export type ConfigOf<F extends Fields> = { readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

export const flagName = (env: string) => `--${env.toLowerCase().replaceAll("_", "-")}`;

/** Commander's attribute for a flag: --batch-size becomes batchSize. */
export const flagKey = (env: string) => env.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export const fieldFlag = (field: Field) => field.flag ?? flagName(field.env);

const fieldFlagKey = (field: Field) => flagKey(fieldFlag(field).replace(/^--/, "").replaceAll("-", "_"));

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface Sources {
  env: Record<string, string | undefined>;
  flags: Record<string, unknown>;
  /** Path of the .env file; a missing file is fine unless the user named it. */
  envFile?: string;
  envFileRequired?: boolean;
}

export function readEnvFile(path: string, required: boolean): Record<string, string> {
  if (!existsSync(path)) {
    if (required) throw new ConfigError([`ENV_FILE="${path}": file not found`]);
    return {};
  }
  return parseDotenv(readFileSync(path));
}

/** Where each raw value came from, for the error message. */
function rawValues(fields: Fields, sources: Sources) {
  const fromFile = sources.envFile ? readEnvFile(sources.envFile, sources.envFileRequired ?? false) : {};
  const raw: Record<string, { value: string | undefined; origin: string }> = {};
  for (const [key, field] of Object.entries(fields)) {
    const flag = sources.flags[fieldFlagKey(field)];
    if (flag !== undefined) {
      raw[key] = { value: flag === true ? "true" : String(flag), origin: fieldFlag(field) };
    } else if (sources.env[field.env] !== undefined) {
      raw[key] = { value: sources.env[field.env], origin: field.env };
    } else if (fromFile[field.env] !== undefined) {
      raw[key] = { value: fromFile[field.env], origin: field.env };
    } else {
      raw[key] = { value: field.default, origin: field.env };
    }
  }
  return raw;
}

export function loadConfig<F extends Fields>(fields: F, sources: Sources, check?: (config: ConfigOf<F>) => string[]): ConfigOf<F> {
  const raw = rawValues(fields, sources);
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const { value, origin } = raw[key]!;
    if (value === undefined) {
      config[key] = undefined;
      continue;
    }
    const result = field.schema.safeParse(value);
    if (result.success) {
      config[key] = result.data;
    } else {
      const shown = field.secret ? redactUrl(value) : value;
      problems.push(`${origin}="${shown}": ${result.error.issues.map((i) => i.message).join("; ")}`);
    }
  }
  // Cross-field checks see the values that parsed; the others are undefined and were reported.
  if (check) problems.push(...check(config as ConfigOf<F>));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as ConfigOf<F>;
}

/** The configuration as JSON by variable name, secrets redacted, uint64 values exact. */
export function describeConfig<F extends Fields>(fields: F, config: ConfigOf<F>): string {
  const shown: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const value = (config as Record<string, unknown>)[key];
    shown[field.env] = field.secret && typeof value === "string" ? redactUrl(value) : value;
  }
  return JSON.stringify(shown, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
