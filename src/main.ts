#!/usr/bin/env bun
// Entry point of bin/tick-ingester.
import { ensureHeapSizing } from "./cli/heap-sizing.ts";
import { checkIngester, checkMigrate, ingesterFields, migrateFields } from "./config/ingester.ts";
import { SIMULATE_HELP, checkSimulator, simulatorFields } from "./config/simulator.ts";
import { VERIFY_HELP, checkVerify, verifyFields } from "./config/verify.ts";
import { createProgram, defineCommand, runProgram } from "./cli/program.ts";

ensureHeapSizing();
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
  fields: simulatorFields,
  check: checkSimulator,
  action: async (config) => (await import("./simulator/command.ts")).simulate(config),
}).addHelpText("after", SIMULATE_HELP);

defineCommand(program, {
  name: "verify",
  summary: "check a range of the database against the sequencer, tick by tick; --repair puts right what it can",
  fields: verifyFields,
  check: checkVerify,
  action: async (config) => (await import("./verify/command.ts")).verifyCommand(config),
}).addHelpText("after", VERIFY_HELP);

await runProgram(program, process.argv.slice(2));
// Exit now rather than when the last idle socket or timer lets go.
process.exit();
