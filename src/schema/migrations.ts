// The migrations, embedded in the binary as text: migrate needs no psql and no files beside the
// binary. The numbered ones run once each, in order; the repeatable one after them, every time.
import tables from "../../schema/001_tables.sql" with { type: "text" };
import views from "../../schema/002_views.sql" with { type: "text" };
import leases from "../../schema/003_leases.sql" with { type: "text" };
import timescale from "../../schema/R_timescale.sql" with { type: "text" };

export interface Migration {
  /** The file name in schema/ without .sql. */
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { name: "001_tables", sql: tables },
  { name: "002_views", sql: views },
  { name: "003_leases", sql: leases },
];

export const repeatable: Migration = { name: "R_timescale", sql: timescale };
