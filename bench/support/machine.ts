// The machine the figures were taken on, for the report.
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import grpcPackage from "@grpc/grpc-js/package.json" with { type: "json" };

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  bun: string;
  grpcJs: string;
  postgresJs: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    cores: cpus().length,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    bun: Bun.version,
    grpcJs: grpcPackage.version,
    postgresJs: JSON.parse(readFileSync(require.resolve("postgres/package.json"), "utf8")).version,
  };
}
