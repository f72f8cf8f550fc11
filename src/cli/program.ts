// The command line: subcommands run (the default), migrate and simulate. Each subcommand's flags
// are generated from its configuration fields, so --help and the config table cannot drift apart.
import { Command, CommanderError, Option } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { ConfigError, describeConfig, fieldFlag, loadConfig, type ConfigOf, type Fields } from "../config/load.ts";

export const EXIT_USAGE = 2;

interface CommandSpec<F extends Fields> {
  name: string;
  summary: string;
  fields: F;
  check?: (config: ConfigOf<F>) => string[];
  isDefault?: boolean;
  /** Loaded only when the command runs, so `--help` stays fast. */
  action: (config: ConfigOf<F>) => Promise<number>;
}

/** One flag per field, its help naming the default and the variable. */
export function addFieldOptions(command: Command, fields: Fields) {
  for (const field of Object.values(fields)) {
    const flags = field.boolean ? `${fieldFlag(field)} [bool]` : `${fieldFlag(field)} <value>`;
    const defaultText = field.default === undefined ? "" : ` (default: ${field.default})`;
    command.addOption(new Option(flags, `${field.help}${defaultText} [env: ${field.env}]`));
  }
}

export function defineCommand<F extends Fields>(program: Command, spec: CommandSpec<F>) {
  const command = program
    .command(spec.name, { isDefault: spec.isDefault })
    .description(spec.summary)
    .option("--env-file <path>", "read variables from this file (default: .env when present)")
    .option("--print-config", "print the resolved configuration (secrets hidden) and exit");
  addFieldOptions(command, spec.fields);
  command.action(async (flags: Record<string, unknown>) => {
    const config = loadConfig(
      spec.fields,
      { env: process.env, flags, envFile: (flags.envFile as string | undefined) ?? ".env", envFileRequired: flags.envFile !== undefined },
      spec.check,
    );
    if (flags.printConfig) {
      process.stdout.write(`${describeConfig(spec.fields, config)}\n`);
      return;
    }
    process.exitCode = await spec.action(config);
  });
  return command;
}

export function createProgram() {
  return new Command("tick-ingester")
    .description("Ingests the Continuum sequencer's tick stream into TimescaleDB, exactly once.")
    .version(pkg.version, "-v, --version")
    .exitOverride()
    .showHelpAfterError("(tick-ingester --help lists the commands and their flags)");
}

/** Runs the program; configuration and usage errors exit with status 2 and say what is wrong. */
export async function runProgram(program: Command, argv: string[]) {
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`tick-ingester: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      throw error;
    }
  }
}
