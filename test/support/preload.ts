// Runs before every test file (bunfig.toml): one PostgreSQL server for the whole run, unless
// DATABASE_URL names one. Tests create their own databases on it with freshDatabase(). When that
// database cannot be started or used, the run stops at once with one message that says why,
// rather than every test failing (or waiting) on its own.
import { afterAll } from "bun:test";
import { checkTestServer, startPostgres, type TestPostgres } from "./postgres.ts";

let server: TestPostgres | undefined;

try {
  const given = process.env.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : process.env.DATABASE_URL ? "DATABASE_URL" : undefined;
  if (given) {
    process.env.TEST_DATABASE_URL = await checkTestServer(given, process.env[given]!);
  } else {
    server = await startPostgres();
    process.env.TEST_DATABASE_URL = server.url;
  }
} catch (error) {
  process.stderr.write(`\nbun test: ${(error as Error).message}\n`);
  process.exit(1);
}
// Subprocesses under test must not inherit a DATABASE_URL by accident.
delete process.env.DATABASE_URL;

afterAll(async () => {
  await server?.destroy();
});
