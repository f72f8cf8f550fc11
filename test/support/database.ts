import postgres, { type Sql } from "postgres";
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

/**
 * Makes the database refuse one tick's row in `ticks` with this error, as an index, a constraint
 * or a server limit would: for tests of what the writer does with a refusal that is not the data's
 * usual class. `errcode` is a PL/pgSQL condition name; without it, P0001 (raise_exception).
 */
export function refuseTick(sql: Sql, tickNumber: bigint, message: string, errcode?: string) {
  const using = errcode ? ` USING ERRCODE = '${errcode}'` : "";
  return sql.unsafe(`
    CREATE FUNCTION refuse_tick() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.tick_number = ${tickNumber} THEN RAISE EXCEPTION '${message}'${using}; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_tick BEFORE INSERT ON ticks FOR EACH ROW EXECUTE FUNCTION refuse_tick();`);
}

/**
 * A one-connection client that logs each query it sends as the first two words of each of its
 * statements ("COPY ticks; COPY vdf_proofs"): for tests of how many round trips a write takes.
 */
export function statementLog(url: string): { sql: Sql; queries: string[] } {
  const queries: string[] = [];
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query) =>
      void queries.push(
        query
          .split(";")
          .map((statement) => statement.trim().split(/\s+/).slice(0, 2).join(" "))
          .join("; "),
      ),
  });
  return { sql, queries };
}
