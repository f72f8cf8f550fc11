// What a failed batch transaction tells about itself: whether the rows caused it (retrying them as
// they are cannot help), the server's state did (retry), or it cannot yet be told; and whether the
// transaction is known to have rolled back.
import { errorMessage } from "../common/errors.ts";

/** What retrying can change about a failure. */
export type Failure =
  /** The rows' fault: the same rows fail the same way on any connection. Split and isolate. */
  | "rows"
  /** The server answered with an error that may be the rows' or the server's: the rows' if it repeats on a fresh connection. */
  | "suspect"
  /** The connection or the server's state: retry. */
  | "transient";

/** SQLSTATE classes the rows cause: 22 data exception, 23 integrity violation, 54 program limit exceeded. */
const ROW_CLASSES = new Set(["22", "23", "54"]);
/**
 * SQLSTATE classes of the server's state, never of the rows: 08 connection, 28 authorization,
 * 3D no such database, 40 transaction rollback, 42 schema (a missing table is the operator's to
 * fix, not a reason to reject every tick), 53 resources, 55 object state, 57 operator
 * intervention (shutdown, cancel, statement timeout), 58 system error.
 */
const SERVER_CLASSES = new Set(["08", "28", "3D", "40", "42", "53", "55", "57", "58"]);

export function classifyFailure(error: unknown): Failure {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && (error as { severity?: unknown }).severity !== undefined) {
    const sqlClass = code.slice(0, 2);
    if (ROW_CLASSES.has(sqlClass)) return "rows";
    return SERVER_CLASSES.has(sqlClass) ? "transient" : "suspect";
  }
  // A client error with a code (CONNECTION_CLOSED, ECONNREFUSED, WRITE_TIMEOUT, ...) is the
  // connection's; one without (RangeError, TypeError) comes from the rows as this program handles them.
  return code === undefined ? "suspect" : "transient";
}

/** The database refused the rows themselves (SQLSTATE class 22, 23 or 54): retrying them as they are cannot help. */
export const isDataError = (error: unknown) => classifyFailure(error) === "rows";

/**
 * An ERROR answer ends the transaction with a rollback, and postgres.js rethrows an error of the
 * batch's own code only after its rollback succeeded. A broken connection or a timeout leaves
 * the outcome unknown.
 */
export const rolledBack = (error: unknown) =>
  (error as { severity?: unknown }).severity === "ERROR" || (error as { code?: unknown }).code === undefined;

/** The error as a retry compares it with the previous one: its code and message. */
export const describeFailure = (error: unknown) => `${(error as { code?: unknown }).code ?? ""}:${errorMessage(error)}`;
