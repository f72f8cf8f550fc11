import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(options: { env: string; level: string; serviceName: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { level: options.level, base: { service: options.serviceName }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
