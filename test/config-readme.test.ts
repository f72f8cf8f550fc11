// The README's configuration table is the user's reference: every variable with its default.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ingesterFields } from "../src/config/ingester.ts";

const readme = await Bun.file(join(import.meta.dir, "../README.md")).text();

test("the README's configuration table lists every variable of `run` with its default", () => {
  const rows = new Map([...readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((match) => [match[1]!, match[2]!.trim()]));
  for (const field of Object.values(ingesterFields)) {
    // A variable without a default reads "(required)", "(required with ...)" or "(none)".
    const shown = field.default === undefined ? "(" : `\`${field.default}\``;
    const row = rows.get(field.env);
    expect({ variable: field.env, default: row?.startsWith(shown) ? shown : row }).toEqual({ variable: field.env, default: shown });
  }
});
