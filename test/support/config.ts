// Loading a command's configuration in a test, from given sources only (not the real environment).
import { caught } from "./caught.ts";
import { ConfigError, loadConfig, type ConfigOf, type Fields, type Sources } from "../../src/config/load.ts";

export function configLoader<F extends Fields>(fields: F, check?: (config: ConfigOf<F>) => string[]) {
  const load = (sources: Partial<Sources>) => loadConfig(fields, { env: {}, flags: {}, ...sources }, check);
  /** The problems a ConfigError lists; throws if the sources load fine. */
  const problemsOf = (sources: Partial<Sources>): string[] => caught(ConfigError, () => load(sources)).problems;
  return { load, problemsOf };
}
