// A new database on the test server with the schema applied, as `tick-ingester migrate` does.
import postgres from "postgres";
import { migrate } from "../../src/schema/migrate.ts";
import { freshDatabase } from "./postgres.ts";

export async function migratedDatabase(adminUrl?: string): Promise<string> {
  const url = await freshDatabase(adminUrl);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(sql, { compressAfter: "1 day", retainFor: "7 days" });
  } finally {
    await sql.end();
  }
  return url;
}
