// A gRPC server written by hand over node:http2, for the tests of the lean stream reader: unlike a
// grpc-js server it lets a test choose the DATA frames (a message split across them, many in one),
// compress messages, send a trailers-only status, reset the stream or cut the connection mid-message.
import { createServer, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";

export interface RawCall {
  stream: ServerHttp2Stream;
  headers: IncomingHttpHeaders;
  /** The request message, unframed. */
  request: Uint8Array;
  /** Cuts the server's connections at the TCP level: no GOAWAY, no RST_STREAM. */
  cut: () => void;
}

export interface RawGrpcServer {
  /** "127.0.0.1:PORT". */
  address: string;
  calls: RawCall[];
  stop(): Promise<void>;
}

export async function startRawGrpcServer(serve: (call: RawCall) => void | Promise<void>): Promise<RawGrpcServer> {
  const server = createServer();
  const sockets = new Set<Socket>();
  const calls: RawCall[] = [];
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const parts: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => parts.push(chunk));
    stream.on("end", () => {
      const cut = () => {
        for (const socket of sockets) socket.destroy();
      };
      const call = { stream, headers, request: Buffer.concat(parts).subarray(5), cut };
      calls.push(call);
      void serve(call);
    });
    stream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A message with gRPC's prefix: the compressed flag and the 4-byte big-endian length. */
export function framed(message: Uint8Array, compressed = false): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Response headers of a gRPC call; trailers are sent by `end`. */
export function respond(stream: ServerHttp2Stream, headers: Record<string, string> = {}) {
  stream.respond({ ":status": 200, "content-type": "application/grpc", ...headers }, { waitForTrailers: true });
}

/** Ends the response with a gRPC status in trailers. */
export function end(stream: ServerHttp2Stream, code = 0, message?: string) {
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(code), ...(message ? { "grpc-message": message } : {}) }));
  stream.end();
}

/** Writes each buffer as its own write, waiting until it is flushed, so that each goes out in DATA frames of its own. */
export async function writeEach(stream: ServerHttp2Stream, buffers: Uint8Array[]) {
  for (const buffer of buffers) await new Promise<void>((resolve) => stream.write(buffer, () => resolve()));
}
