// Runs the command line as a user meets it: a real process, its exit status and its output.
import { join } from "node:path";

const main = join(import.meta.dir, "../../src/main.ts");

export async function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn(["bun", main, ...args], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...env },
    cwd: "/",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}
