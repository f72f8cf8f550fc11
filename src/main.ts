#!/usr/bin/env bun
// Entry point of bin/tick-ingester.
import { checkIngester, checkMigrate, ingesterFields, migrateFields } from "./config/ingester.ts";
import { createProgram, defineCommand, runProgram } from "./cli/program.ts";

const program = createProgram();

defineCommand(program, {
  name: "run",
  summary: "ingest the tick stream (the default command)",
  isDefault: true,
  fields: ingesterFields,
  check: checkIngester,
  action: async (config) => (await import("./cli/run.ts")).run(config),
});

defineCommand(program, {
  name: "migrate",
  summary: "apply the database schema migrations that are not applied yet",
  fields: migrateFields,
  check: checkMigrate,
  action: async (config) => (await import("./cli/migrate.ts")).migrateCommand(config),
});

defineCommand(program, {
  name: "simulate",
  summary: "serve a Continuum-compatible tick stream for tests, benchmarks and demos",
  fields: {},
  action: async () => notBuiltYet("simulate"),
});

function notBuiltYet(command: string) {
  process.stderr.write(`tick-ingester ${command}: not built yet\n`);
  return 1;
}

await runProgram(program, process.argv.slice(2));
