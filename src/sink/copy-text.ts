// PostgreSQL COPY text format, for the tables of what the ingester records (tick_rejects,
// tick_gaps, chain_breaks; the tick tables are binary, copy-binary.ts) and for verify's rendering
// of rows. Columns are separated by tabs, rows end with a newline, and backslash, tab, newline and
// carriage return inside a value are escaped. A NUL character cannot be stored in PostgreSQL text
// at all: callers reject such values first.

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

export function copyText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/** bytea in hex input form; the backslash is doubled because COPY text unescapes it once. */
export function copyBytea(value: Uint8Array): string {
  return `\\\\x${value.toHex()}`;
}

/** Latest instant PostgreSQL accepts in ISO form with a four-digit year: 9999-12-31 23:59:59.999999. */
export const MAX_TIMESTAMP_MICROS = 253_402_300_799_999_999n;

/** Microseconds since the Unix epoch as timestamptz text, exact to the microsecond. */
export function copyTimestamp(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, "0");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}+00`;
}

export const copyRow = (columns: string[]) => `${columns.join("\t")}\n`;

/** Text the ingester records about a tick (a reason, a chain break's outputs): NUL cannot be stored in text, so it is spelled out as \0, never lost. */
export const copyReason = (text: string) => copyText(text.replaceAll("\0", "\\0"));
