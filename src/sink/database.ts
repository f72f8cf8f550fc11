// One way to open a database client, so that every connection the ingester makes has a time
// limit on each statement (a stuck query ends with an error instead of holding up a batch or a
// shutdown for ever).
import postgres from "postgres";

/** What every connection shares; plain data, so that it can be sent to a Worker. */
export interface DatabaseOptions {
  /** PostgreSQL's statement_timeout for every statement, in milliseconds. */
  statementTimeoutMs: number;
}

export function connectDatabase(url: string, options: DatabaseOptions, more: postgres.Options<{}> = {}): postgres.Sql {
  return postgres(url, {
    onnotice: () => {},
    connect_timeout: 10,
    ...more,
    connection: {
      statement_timeout: options.statementTimeoutMs,
      // A transaction left open by a client that vanished must not hold its locks for long.
      idle_in_transaction_session_timeout: options.statementTimeoutMs,
      ...more.connection,
    },
  });
}
