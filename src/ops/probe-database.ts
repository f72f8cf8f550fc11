// The database half of /ready: a `SELECT 1` that must answer within a short time. The answer is
// true or a reason naming the server (host:port, never the password) for /ready's body.
import type { Sql } from "postgres";
import { errorMessage } from "../common/errors.ts";
import { scrubSecrets } from "./scrub.ts";

export async function probeDatabase(sql: Sql, timeoutMs: number): Promise<true | string> {
  const server = describeServer(sql);
  const query = sql`SELECT 1`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      // The abandoned probe is cancelled, and its late rejection is not an error.
      query.catch(() => {});
      query.cancel();
      resolve(`${server}: no answer within ${timeoutMs}ms`);
    }, timeoutMs);
  });
  try {
    return await Promise.race([query.then(() => true as const), timedOut]);
  } catch (error) {
    return `${server}: ${scrubSecrets(errorMessage(error))}`;
  } finally {
    clearTimeout(timer);
  }
}

function describeServer(sql: Sql): string {
  const { host, port } = sql.options;
  return host.map((name, i) => `${name.includes(":") ? `[${name}]` : name}:${port[i] ?? port[0]}`).join(",");
}
