// JavaScriptCore sizes its heaps from the machine's RAM: on a 24 GiB machine the ingester's three
// threads let garbage grow to 330-610 MB at full speed before collecting it. Told the machine has
// 256 MiB, it collects sooner: peak RSS about 230 MB sparse and 290 MB heavy, at the same
// throughput (bench/RESULTS.md, issue 17). The option is read only when the process starts, so the
// process replaces itself once (execve: same pid, stdio and signals) with it set. A value already
// in the environment is kept, so an operator can choose another (bytes) or the machine's RAM.

const OPTION = "BUN_JSC_forceRAMSize";
export const HEAP_RAM_BYTES = 256 * 1024 * 1024;

/** Returns only when the option is in effect or cannot be set; otherwise the process is replaced. */
export function ensureHeapSizing(): void {
  if (process.env[OPTION] !== undefined || !process.execve) return;
  // A compiled binary's argv[1] is its own path inside the bundle, which it adds again; from
  // source, Bun's own flags (a profiler's, say) come before the script.
  const compiled = process.argv[1]?.startsWith("/$bunfs/") === true;
  const args = compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  try {
    process.execve(process.execPath, args, { ...process.env, [OPTION]: String(HEAP_RAM_BYTES) });
  } catch (error) {
    console.error(`tick-ingester: running with JavaScriptCore's default heap sizing (${OPTION} not set: ${error})`);
  }
}
