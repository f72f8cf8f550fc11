// `bun run demo`'s own flags, read like the binary's: flag, then environment, validated; a bad
// value exits with status 2 naming it.
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { addFieldOptions } from "../cli/program.ts";
import { loadConfig, type ConfigOf, type Field } from "../config/load.ts";
import { boolean, duration, text } from "../config/values.ts";

const field = <T>(f: Field<T>) => f;

/** The repository's own .demo folder, wherever the demo is started from. */
export const DEFAULT_DEMO_DIR = join(import.meta.dir, "../../.demo");

export const demoFields = {
  duration: field({
    env: "DEMO_DURATION",
    flag: "--duration",
    schema: duration,
    help: "Stop after this long, e.g. 20s or 5m (default: run until Ctrl+C)",
  }),
  dir: field({
    env: "DEMO_DIR",
    flag: "--dir",
    schema: text,
    default: DEFAULT_DEMO_DIR,
    help: "Folder of the demo's database and logs, kept between runs",
  }),
  reset: field({
    env: "DEMO_RESET",
    flag: "--reset",
    schema: boolean,
    default: "false",
    help: "Delete the demo's folder first and start over",
    boolean: true,
  }),
};

export type DemoOptions = ConfigOf<typeof demoFields>;

/** The options, or the exit status when there is nothing to run (--help, a usage error). */
export function parseDemoOptions(argv: string[]): DemoOptions | number {
  const program = new Command("bun run demo")
    .description(
      "Runs the whole service on this machine: an embedded PostgreSQL server, the Continuum simulator at 1,000 ticks/s " +
        "and the ingester, with a live status line; a second run resumes where the first stopped.",
    )
    .exitOverride()
    .showHelpAfterError();
  addFieldOptions(program, demoFields);
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return loadConfig(demoFields, { env: process.env, flags: program.opts() });
}
