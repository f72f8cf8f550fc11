// A gRPC call's final status as the lean stream reader (grpc-stream.ts) derives it, with the codes
// and wording grpc-js gives for the same events, so that callers and logs read both alike.
import { constants, type IncomingHttpHeaders } from "node:http2";
import { status as Status } from "@grpc/grpc-js";

export interface CallStatus {
  code: Status;
  details: string;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The status a server sends in trailers (or in the headers of a trailers-only response); undefined if it sent none. */
export function statusOfTrailers(headers: IncomingHttpHeaders): CallStatus | undefined {
  const code = first(headers["grpc-status"]);
  if (code === undefined) return undefined;
  const message = first(headers["grpc-message"]) ?? "";
  if (!/^\d+$/.test(code)) return { code: Status.UNKNOWN, details: `grpc-status "${code}" is not a status code; grpc-message: ${message}` };
  return { code: Number(code), details: percentDecoded(message) };
}

/** grpc-message is percent-encoded; a malformed escape leaves it as sent. */
function percentDecoded(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

/** A response without a gRPC status, by its HTTP status (the gRPC spec's table). */
export function statusOfHttp(httpStatus: number): CallStatus {
  const code =
    httpStatus === 400
      ? Status.INTERNAL
      : httpStatus === 401
        ? Status.UNAUTHENTICATED
        : httpStatus === 403
          ? Status.PERMISSION_DENIED
          : httpStatus === 404
            ? Status.UNIMPLEMENTED
            : [429, 502, 503, 504].includes(httpStatus)
              ? Status.UNAVAILABLE
              : Status.UNKNOWN;
  return { code, details: `Received HTTP status code ${httpStatus}` };
}

/** A stream closed without a gRPC status: by its RST_STREAM code. */
export function statusOfReset(rstCode: number): CallStatus {
  switch (rstCode) {
    case constants.NGHTTP2_NO_ERROR:
      return { code: Status.INTERNAL, details: `Received RST_STREAM with code ${rstCode} (Call ended without gRPC status)` };
    case constants.NGHTTP2_REFUSED_STREAM:
      return { code: Status.UNAVAILABLE, details: "Stream refused by server" };
    case constants.NGHTTP2_CANCEL:
      return { code: Status.CANCELLED, details: "Call cancelled" };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: Status.RESOURCE_EXHAUSTED, details: "Bandwidth exhausted or memory limit exceeded" };
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return { code: Status.PERMISSION_DENIED, details: "Protocol not secure enough" };
    case constants.NGHTTP2_INTERNAL_ERROR:
      return { code: Status.INTERNAL, details: `Received RST_STREAM with code ${rstCode} (Internal server error)` };
    default:
      return { code: Status.INTERNAL, details: `Received RST_STREAM with code ${rstCode}` };
  }
}
