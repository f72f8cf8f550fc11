// What a migrated database holds, read from the catalogs, to compare two databases or check one.
import type postgres from "postgres";

export async function describeSchema(db: postgres.Sql) {
  const columns = await db<{ table: string; view: boolean; column: string; type: string; nullable: boolean }[]>`
    SELECT c.relname AS table, c.relkind = 'v' AS view, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1, a.attnum`;
  const constraints = await db<{ table: string; type: string; definition: string }[]>`
    SELECT conrelid::regclass::text AS table, contype AS type, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 ORDER BY 1, 3`;
  const keys = await db<{ table: string; columns: string[] }[]>`
    SELECT conrelid::regclass::text AS table,
           array(SELECT attname FROM unnest(conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute ON attrelid = conrelid AND attnum = n ORDER BY i)::text[] AS columns
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype = 'p' ORDER BY 1`;
  const indexes = await db`SELECT indexname || ': ' || indexdef AS index FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`;
  const views =
    await db`SELECT viewname || ': ' || definition AS view, viewname FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`;
  const functions = await db`
    SELECT p.proname || '(' || pg_get_function_arguments(p.oid) || ')' AS signature, pg_get_functiondef(p.oid) AS definition
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1`;
  const comments = await db`
    SELECT objoid::regclass::text || '.' || objsubid || ': ' || description AS comment
    FROM pg_description WHERE classoid = 'pg_class'::regclass AND objoid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
    ORDER BY 1`;
  return {
    columns: columns.map((c) => ({ ...c })),
    constraints: constraints.map((c) => ({ ...c })),
    primaryKeys: Object.fromEntries(keys.map((k) => [k.table, k.columns])),
    foreignKeys: constraints.filter((c) => c.type === "f").map((c) => c.definition),
    indexes: indexes.map((i) => i.index as string),
    views: views.map((v) => v.viewname as string),
    viewDefinitions: views.map((v) => v.view as string),
    functions: functions.map((f) => f.signature as string),
    functionDefinitions: functions.map((f) => f.definition as string),
    comments: comments.map((c) => c.comment as string),
  };
}
