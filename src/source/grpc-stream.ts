// One server-streaming gRPC call over its own HTTP/2 connection (node:http2), reading the response's
// DATA chunks straight into messages (grpc-deframer.ts). grpc-js does the same with a per-message
// filter chain, copies and a pause/resume of the HTTP/2 stream per message, which was most of the
// ingester's main thread; this reader pauses only while a handler makes it wait, so HTTP/2 flow
// control still holds the sender back.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { gunzipSync, inflateSync } from "node:zlib";
import { status as Status } from "@grpc/grpc-js";
import { GrpcDeframer, MessageTooLarge } from "./grpc-deframer.ts";
import { statusOfHttp, statusOfReset, statusOfTrailers, type CallStatus } from "./grpc-status.ts";

export interface Http2Target {
  /** "http://host:port" or "https://host:port". */
  origin: string;
  /** PEM of the CA that signed the server's certificate (https); default: the system's CAs. */
  ca?: Buffer;
  /** A PING every intervalMs; no acknowledgement within timeoutMs ends the call as UNAVAILABLE. */
  keepalive: { intervalMs: number; timeoutMs: number };
  /** A message longer than this (compressed, or once decompressed) ends the call as RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
}

export interface ServerStreamHandlers {
  /** One message; a returned promise (which must not reject) holds the next message back until it settles. */
  onMessage: (bytes: Uint8Array) => void | Promise<void>;
  /** Once, when the call is over and no handler runs: after the last message, or at the first failure. */
  onEnd: (status: CallStatus) => void;
}

export interface ServerStreamCall {
  /** Ends the call as CANCELLED (onEnd still follows). */
  cancel(): void;
}

export function openServerStream(target: Http2Target, path: string, request: Uint8Array, handlers: ServerStreamHandlers): ServerStreamCall {
  return new ServerStream(target, path, request, handlers);
}

const decompressors: Record<string, (bytes: Uint8Array, options: { maxOutputLength: number }) => Uint8Array> = {
  gzip: gunzipSync,
  deflate: inflateSync,
};

class ServerStream {
  private readonly session: ClientHttp2Session;
  private readonly stream: ClientHttp2Stream;
  private readonly deframer: GrpcDeframer;
  private encoding = "identity";
  private httpStatus: number | undefined;
  /** The status the server sent; the call ends with it once every message before it is handled. */
  private sentStatus: CallStatus | undefined;
  private readsEnded = false;
  /** The call's final status, once known: nothing more is delivered. */
  private status: CallStatus | undefined;
  private connectionError: Error | undefined;
  private busy = false;
  private endReported = false;
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private pingTimeout: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly target: Http2Target,
    path: string,
    request: Uint8Array,
    private readonly handlers: ServerStreamHandlers,
  ) {
    this.deframer = new GrpcDeframer(target.maxMessageBytes);
    this.session = connect(target.origin, target.ca ? { ca: target.ca } : {});
    this.session.on("error", (error: Error) => {
      this.connectionError ??= error;
      this.finish({ code: Status.UNAVAILABLE, details: error.message });
    });
    this.session.on("close", () =>
      this.finish({ code: Status.UNAVAILABLE, details: this.connectionError?.message ?? "Connection dropped" }),
    );
    this.session.on("connect", () => this.startKeepalive());
    this.stream = this.session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-accept-encoding": "identity,deflate,gzip",
      "accept-encoding": "identity",
    });
    const framed = new Uint8Array(5 + request.length);
    new DataView(framed.buffer).setUint32(1, request.length);
    framed.set(request, 5);
    this.stream.end(framed);
    this.stream.on("response", (headers: IncomingHttpHeaders) => this.onHeaders(headers));
    this.stream.on("trailers", (headers: IncomingHttpHeaders) => this.onTrailers(headers));
    this.stream.on("data", (chunk: Uint8Array) => {
      if (this.status) return;
      this.deframer.push(chunk);
      this.deliver();
    });
    this.stream.on("end", () => {
      this.readsEnded = true;
      this.deliver();
    });
    this.stream.on("error", (error: Error & { code?: string }) => {
      // A reset stream's error says nothing its close does not; any other is the connection's.
      if (error.code !== "ERR_HTTP2_STREAM_ERROR") this.connectionError ??= error;
    });
    this.stream.on("close", () => this.onClose());
  }

  cancel() {
    this.finish({ code: Status.CANCELLED, details: "Call cancelled" });
  }

  private onHeaders(headers: IncomingHttpHeaders) {
    this.httpStatus = Number(headers[":status"]);
    const trailersOnly = statusOfTrailers(headers);
    if (trailersOnly) return this.onTrailers(headers);
    if (this.httpStatus !== 200) return this.finish(statusOfHttp(this.httpStatus));
    const encoding = headers["grpc-encoding"];
    if (typeof encoding === "string") this.encoding = encoding;
  }

  private onTrailers(headers: IncomingHttpHeaders) {
    this.sentStatus =
      statusOfTrailers(headers) ??
      (this.httpStatus !== undefined && this.httpStatus !== 200
        ? statusOfHttp(this.httpStatus)
        : { code: Status.UNKNOWN, details: "No status information received" });
    this.deliver();
  }

  private onClose() {
    if (this.status || this.sentStatus) return;
    // Only this reader destroys its session, and it sets the status first: a session gone here was lost.
    const lost = this.connectionError || this.session.destroyed || this.session.closed;
    this.finish(
      lost
        ? { code: Status.UNAVAILABLE, details: this.connectionError?.message ?? "Connection dropped" }
        : statusOfReset(this.stream.rstCode ?? constants.NGHTTP2_NO_ERROR),
    );
  }

  /** Hands over whole messages until a handler makes the call wait; ends the call after the last one. */
  private deliver() {
    while (!this.busy && !this.status) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = this.deframer.next();
      } catch (error) {
        if (!(error instanceof MessageTooLarge)) throw error;
        return this.finish({ code: Status.RESOURCE_EXHAUSTED, details: error.message });
      }
      if (bytes === undefined) break;
      if (this.deframer.compressed) {
        bytes = this.decompressed(bytes);
        if (bytes === undefined) return;
      }
      const result = this.handlers.onMessage(bytes);
      if (result) this.wait(result);
    }
    if (this.busy || this.status || !this.readsEnded || !this.sentStatus) return;
    this.finish(this.deframer.holdsBytes ? { code: Status.INTERNAL, details: "The response ended inside a message" } : this.sentStatus);
  }

  private wait(result: Promise<void>) {
    this.busy = true;
    this.stream.pause();
    const settled = () => {
      this.busy = false;
      if (this.status) return this.reportEnd();
      this.stream.resume();
      this.deliver();
    };
    result.then(settled, settled);
  }

  private decompressed(bytes: Uint8Array): Uint8Array | undefined {
    const decompress = decompressors[this.encoding];
    if (!decompress) {
      const details =
        this.encoding === "identity"
          ? 'Received compressed message but "grpc-encoding" header was identity'
          : `Received message compressed with unsupported compression method ${this.encoding}`;
      return void this.finish({ code: Status.INTERNAL, details });
    }
    try {
      return decompress(bytes, { maxOutputLength: this.target.maxMessageBytes });
    } catch (error) {
      const tooLarge = (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE";
      this.finish(
        tooLarge
          ? {
              code: Status.RESOURCE_EXHAUSTED,
              details: `Received message that decompresses to a size larger than ${this.target.maxMessageBytes}`,
            }
          : { code: Status.INTERNAL, details: `Failed to decompress ${this.encoding}-encoded message: ${(error as Error).message}` },
      );
      return undefined;
    }
  }

  private startKeepalive() {
    const { intervalMs, timeoutMs } = this.target.keepalive;
    this.keepalive = setInterval(() => {
      if (this.pingTimeout || this.session.destroyed) return;
      this.pingTimeout = setTimeout(
        () => this.finish({ code: Status.UNAVAILABLE, details: `No answer to a keepalive PING within ${timeoutMs}ms` }),
        timeoutMs,
      );
      this.session.ping(() => {
        clearTimeout(this.pingTimeout);
        this.pingTimeout = undefined;
      });
    }, intervalMs);
  }

  /** The call's end: the first status set wins; the connection goes; onEnd follows once no handler runs. */
  private finish(status: CallStatus) {
    if (this.status) return;
    this.status = status;
    clearInterval(this.keepalive);
    clearTimeout(this.pingTimeout);
    if (status.code === Status.OK) this.session.close();
    else this.session.destroy();
    this.reportEnd();
  }

  private reportEnd() {
    if (this.busy || this.endReported) return;
    this.endReported = true;
    this.handlers.onEnd(this.status!);
  }
}
