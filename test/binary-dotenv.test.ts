// The compiled binary reads configuration only as the README says (environment, then the .env
// file of the current folder or --env-file, then flags): Bun's own autoloading of .env in
// standalone executables, which expands $VAR and beats --env-file, is off (scripts/build.ts).
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../scripts/build.ts";

const folder = mkdtempSync(join(tmpdir(), "binary-dotenv-"));
const binary = join(folder, "tick-ingester");

function printedConfig(args: string[]): Record<string, unknown> {
  const run = Bun.spawnSync([binary, "--continuum-grpc-url", "127.0.0.1:1", "--output-mode", "console", ...args, "--print-config"], {
    cwd: folder,
    env: { PATH: process.env.PATH! },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (run.exitCode !== 0) throw new Error(`--print-config failed (${run.exitCode}): ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString());
}

test("a .env in the working folder neither beats --env-file nor has its $ expanded", async () => {
  await buildBinary(binary);
  writeFileSync(join(folder, ".env"), "SERVICE_NAME=pa$word\nLOG_LEVEL=debug\n");
  writeFileSync(join(folder, ".env.local"), "BATCH_SIZE=7\n");
  writeFileSync(join(folder, "chosen.env"), "SERVICE_NAME=from-env-file\n");

  // Without --env-file the folder's .env is the program's, read as written.
  const plain = printedConfig([]);
  expect({ service: plain.SERVICE_NAME, level: plain.LOG_LEVEL, batch: plain.BATCH_SIZE }).toEqual({
    service: "pa$word",
    level: "debug",
    batch: 250,
  });

  // With --env-file the named file is the only one read.
  const chosen = printedConfig(["--env-file", "chosen.env"]);
  expect({ service: chosen.SERVICE_NAME, level: chosen.LOG_LEVEL }).toEqual({ service: "from-env-file", level: "info" });
}, 120_000);
