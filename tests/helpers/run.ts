import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readLedger } from "../../src/api/run-dir.js";
import type { LedgerRow } from "../../src/api/run-dir.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const cliPath = join(repoRoot, "dist", "cli", "main.js");

/** Writes a pipeline file into `dir` and returns its path. */
export async function writePipeline(dir: string, yaml: string, name = "pipeline.yaml"): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, yaml);
  return path;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in `cwd`. */
export function refinery(args: readonly string[], cwd = repoRoot, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export async function ledgerRows(runDir: string): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const row of readLedger(runDir)) rows.push(row);
  return rows;
}
