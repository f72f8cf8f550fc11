// `bun run demo`: the whole service on this machine in a minute, with nothing installed but Bun.
// A dev tool, not part of the binary. See README.md, "Try it".
import { ConfigError } from "../config/load.ts";
import { parseDemoOptions } from "./options.ts";
import { inOwnSession, runInOwnSession, stopRequested } from "./session.ts";

async function main(): Promise<number> {
  let options: ReturnType<typeof parseDemoOptions>;
  try {
    options = parseDemoOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`bun run demo: ${error.message}\n`);
    return 2;
  }
  if (typeof options === "number") return options;
  if (!inOwnSession()) return runInOwnSession(process.argv.slice(1));
  // Loaded only here, so that --help and a usage error need none of it.
  const { runDemo } = await import("./run-demo.ts");
  try {
    return await runDemo(options, stopRequested());
  } catch (error) {
    process.stderr.write(`\nThe demo failed: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exit(await main());
