import { migrate } from "../../src/schema/migrate.ts";
import { freshDatabase } from "./postgres.ts";
import { openSql } from "./processes.ts";

export async function migratedDatabase(adminUrl?: string): Promise<string> {
  const url = await freshDatabase(adminUrl);
  const sql = openSql(url);
  try {
    await migrate(sql, { compressAfter: "1 day", retainFor: "7 days" });
  } finally {
    await sql.end();
  }
  return url;
}
