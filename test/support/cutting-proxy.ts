// A TCP proxy in front of PostgreSQL that can cut a connection at a chosen point of the protocol:
// when the client's bytes contain a given statement (e.g. "begin" or "commit"), either before
// forwarding them (the server never sees the statement) or after (the server runs it, the client
// never hears back). Stages the failures whose outcome the client cannot know.
import { createServer, connect, type Socket } from "node:net";

export interface CutRule {
  /** Text in the client's bytes that triggers the cut, e.g. "commit". */
  statement: string;
  /** "before": the statement never reaches the server; "after": it does, its answer never comes back. */
  when: "before" | "after";
}

export interface CuttingProxy {
  url: string;
  /** Connections cut so far. */
  cuts: number;
  /** undefined: forward everything. */
  rule: CutRule | undefined;
  stop(): Promise<void>;
}

export async function startCuttingProxy(databaseUrl: string): Promise<CuttingProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const proxy: CuttingProxy = {
    url: "",
    cuts: 0,
    rule: undefined,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const cut = () => {
      proxy.cuts++;
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      const rule = proxy.rule;
      if (!rule || !chunk.toString("latin1").includes(rule.statement)) return void upstream.write(chunk);
      if (rule.when === "before") return cut();
      client.pause();
      upstream.write(chunk, () => setTimeout(cut, 300)); // the server has it and runs it; its answer is lost
      upstream.removeAllListeners("data");
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const close = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as { port: number }).port);
  proxy.url = url.toString();
  return proxy;
}
