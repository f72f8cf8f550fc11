// One way to open a database client, so that every connection the ingester makes has a time
// limit on each statement (a stuck query ends with an error instead of holding up a batch or a
// shutdown for ever) and checks the server's certificate when the URL asks for it.
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { redactUrl } from "../config/values.ts";

/** What every connection shares; plain data, so that it can be sent to a Worker. */
export interface DatabaseOptions {
  /** PostgreSQL's statement_timeout for every statement, in milliseconds. */
  statementTimeoutMs: number;
  /** DATABASE_CA_FILE: PEM file of the CA for sslmode=verify-ca/verify-full, when the URL's sslrootcert names none. */
  caFile?: string;
}

/** The server's keepalives on the lock's connection (PostgreSQL's tcp_keepalives_* settings, seconds). */
export const KEEPALIVE_IDLE_S = 5;
export const KEEPALIVE_INTERVAL_S = 2;
export const KEEPALIVE_COUNT = 3;

/** Who opens a connection: that decides how many connections, and how long each may wait. */
export type DatabaseRole = "ingester" | "writer" | "lease" | "probe" | "schema" | "migrate" | "verify" | "demo";

const ROLES: Record<DatabaseRole, postgres.Options<{}>> = {
  // Resuming and saving the checkpoint.
  ingester: { max: 2 },
  // A Worker's batch writer: one transaction at a time.
  writer: { max: 1, connect_timeout: 5 },
  // One connection, never recycled: the lock lives exactly as long as this session. Without the
  // server's own keepalives a host that vanished would keep the lock for as long as the kernel's
  // default (two hours and more).
  lease: {
    max: 1,
    idle_timeout: 0,
    max_lifetime: 0,
    connection: {
      tcp_keepalives_idle: KEEPALIVE_IDLE_S,
      tcp_keepalives_interval: KEEPALIVE_INTERVAL_S,
      tcp_keepalives_count: KEEPALIVE_COUNT,
    },
  },
  // /ready's database check.
  probe: { max: 1, connect_timeout: 2 },
  // --migrate at start: a migration may rightly take longer than any batch statement (building an index on a large table).
  schema: { max: 1, connection: { statement_timeout: 0, idle_in_transaction_session_timeout: 0 } },
  migrate: { max: 1, connect_timeout: 5, connection: { application_name: "tick-ingester migrate" } },
  verify: { max: 6, connect_timeout: 5, connection: { application_name: "tick-ingester verify" } },
  demo: { max: 1, connect_timeout: 10 },
};

/**
 * A client for `role`, with the options its caller shares with the server (statement timeout, CA
 * file); without a statement timeout (verify, the demo) statements run without a limit.
 */
export function connect(url: string, role: DatabaseRole, options: Partial<DatabaseOptions> = {}, applicationName?: string): postgres.Sql {
  const more = ROLES[role];
  return connectDatabase(
    url,
    options,
    applicationName ? { ...more, connection: { ...more.connection, application_name: applicationName } } : more,
  );
}

export function connectDatabase(url: string, options: Partial<DatabaseOptions>, more: postgres.Options<{}> = {}): postgres.Sql {
  const { url: plainUrl, ssl } = tlsSettings(url, options.caFile);
  const limits =
    options.statementTimeoutMs === undefined
      ? {}
      : {
          statement_timeout: options.statementTimeoutMs,
          // A transaction left open by a client that vanished must not hold its locks for long.
          idle_in_transaction_session_timeout: options.statementTimeoutMs,
        };
  return postgres(plainUrl, {
    onnotice: () => {},
    connect_timeout: 10,
    ...more,
    ...(ssl ? { ssl } : {}),
    connection: { ...limits, ...more.connection },
  });
}

/**
 * postgres.js knows sslmode=verify-full only with the system's CAs, treats verify-ca as
 * verify-full, and would send sslrootcert to the server as a setting. Both verifying modes are
 * done here, with the CA from sslrootcert or DATABASE_CA_FILE; the other modes are postgres.js's.
 */
export function tlsSettings(url: string, caFile: string | undefined): { url: string; ssl?: Record<string, unknown> } {
  const parsed = new URL(url);
  const mode = parsed.searchParams.get("sslmode");
  const rootCert = parsed.searchParams.get("sslrootcert");
  parsed.searchParams.delete("sslrootcert");
  if (mode !== "verify-full" && mode !== "verify-ca") return { url: parsed.toString() };
  const [caPath, named] = rootCert && rootCert !== "system" ? [rootCert, "sslrootcert in DATABASE_URL"] : [caFile, "DATABASE_CA_FILE"];
  let ca: Buffer | undefined;
  if (caPath !== undefined) {
    try {
      ca = readFileSync(caPath);
    } catch (error) {
      throw new Error(`cannot read the database's CA file ${caPath} (${named}): ${(error as Error).message}`);
    }
  }
  return {
    url: parsed.toString(),
    ssl: {
      ca, // undefined: the system's CAs
      rejectUnauthorized: true,
      // verify-ca: any certificate the CA signed, whatever name it carries.
      ...(mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
      // Read by our patch of postgres.js: a verified server gets the password only as SCRAM or MD5.
      refuseCleartextPassword: true,
    },
  };
}

const CERTIFICATE_ERRORS = new RegExp(
  `^(${[
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?",
    "CERT_[A-Z_]+",
  ].join("|")})$`,
);

/** A hint for a connection error that is the certificate check's, or undefined. */
export function certificateHint(error: { code?: unknown }): string | undefined {
  if (typeof error.code !== "string" || !CERTIFICATE_ERRORS.test(error.code)) return undefined;
  return error.code === "ERR_TLS_CERT_ALTNAME_INVALID"
    ? "the server's certificate is not for the host in DATABASE_URL (sslmode=verify-full checks the name; verify-ca does not)"
    : "the server's certificate is not signed by the CA given " +
        "(sslrootcert in DATABASE_URL or DATABASE_CA_FILE; the system's CAs without either)";
}

/** A database that refuses the ingester's queries: its schema is missing or out of date. */
export class SchemaMissing extends Error {}

/** A failed first query, as the operator needs it: the schema to migrate, or the server (no password) that refused. */
export function databaseError(error: Error & { code?: string }, databaseUrl: string): Error {
  if (error.code === "42P01") {
    return new SchemaMissing(
      `the database's tick-ingester schema is missing or out of date (${error.message}): ` +
        "run `tick-ingester migrate` or start with --migrate",
    );
  }
  const hint = certificateHint(error);
  return new Error(`Failed to connect to database ${redactUrl(databaseUrl)}: ${error.message}${hint ? ` (${hint})` : ""}`);
}
