/** `refinery report <run>`: writes the run's audit report, one self-contained HTML file. */
import { rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { layout } from "../pipeline/layout.js";
import { type ReportLimits, collectReport } from "../report/collect.js";
import { renderReport } from "../report/html.js";

export interface ReportOptions {
  /** Where to write (default: `<run>/report.html`). */
  readonly output?: string;
  /** Seed of the samples (default: the pipeline's seed). */
  readonly seed?: number;
  readonly limits?: Partial<ReportLimits>;
}

/** Writes the audit report of a finished run; returns its path and size in bytes. */
export async function writeReport(runDirArg: string, options: ReportOptions = {}): Promise<{ path: string; bytes: number }> {
  const runDir = resolve(runDirArg);
  const data = await collectReport(runDir, { ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.limits ? { limits: options.limits } : {}) });
  const html = renderReport(data);
  const path = resolve(options.output ?? join(runDir, layout.report));
  await writeFile(`${path}.tmp`, html);
  await rename(`${path}.tmp`, path);
  return { path, bytes: Buffer.byteLength(html) };
}
