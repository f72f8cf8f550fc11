// What an error says, for a log line or a report: its message, or the thrown value as text.

export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" ? message : String(error);
}
