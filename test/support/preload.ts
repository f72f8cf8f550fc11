// Runs before every test file (bunfig.toml): one PostgreSQL server for the whole run, unless
// DATABASE_URL names one. Tests create their own databases on it with freshDatabase().
import { afterAll } from "bun:test";
import { startPostgres, type TestPostgres } from "./postgres.ts";

let server: TestPostgres | undefined;

if (!process.env.TEST_DATABASE_URL) {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
  } else {
    server = await startPostgres();
    process.env.TEST_DATABASE_URL = server.url;
  }
}
// Subprocesses under test must not inherit a DATABASE_URL by accident.
delete process.env.DATABASE_URL;

afterAll(async () => {
  await server?.destroy();
});
