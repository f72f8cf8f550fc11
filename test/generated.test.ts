import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { $ } from "bun";

const root = join(import.meta.dir, "..");

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[relative(dir, path)] = readFileSync(path, "utf8");
    }
  }
  return out;
}

test("the committed src/gen is what `bun run generate` makes from proto/", async () => {
  const out = mkdtempSync(join(tmpdir(), "gen-"));
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: join(root, "node_modules/.bin/protoc-gen-es"), out, opt: ["target=ts", "import_extension=ts"] }],
  });
  await $`${join(root, "node_modules/.bin/buf")} generate --template ${template}`.cwd(root).quiet();
  const fresh = files(out);
  expect(Object.keys(fresh).length).toBeGreaterThan(0);
  expect(files(join(root, "src/gen"))).toEqual(fresh);
}, 30_000); // buf's first run in a fresh clone, at the start of the suite, was seen to take over 5 s
