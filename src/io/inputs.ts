import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { PipelineError } from "../errors.js";

/** An input file, in shard order: its path as recorded (relative to `cwd` when given so) and size. */
export interface InputFile {
  readonly path: string;
  readonly bytes: number;
}

/**
 * Expands paths and glob patterns (relative to `cwd`) into a sorted, de-duplicated file list.
 * A pattern that matches nothing, or a named file that does not exist, is an error up front.
 */
export async function resolveInputs(patterns: readonly string[], cwd: string): Promise<InputFile[]> {
  const found = new Set<string>();
  const problems: string[] = [];
  for (const pattern of patterns) {
    if (isDynamicPattern(pattern)) {
      const matches = await glob(pattern, { cwd, onlyFiles: true, absolute: false, expandDirectories: false, dot: false });
      if (matches.length === 0) problems.push(`\`${pattern}\` matches no files (relative to ${cwd})`);
      for (const m of matches) found.add(isAbsolute(pattern) ? resolve(cwd, m) : m);
      continue;
    }
    try {
      const info = await stat(resolve(cwd, pattern));
      if (info.isDirectory()) problems.push(`\`${pattern}\` is a folder; give files or a glob such as \`${pattern.replace(/\/$/, "")}/*.jsonl\``);
      else found.add(isAbsolute(pattern) ? pattern : relative(cwd, resolve(cwd, pattern)) || pattern);
    } catch (cause) {
      problems.push(`\`${pattern}\` does not exist (${(cause as NodeJS.ErrnoException).code ?? "unreadable"})`);
    }
  }
  if (problems.length > 0) throw new PipelineError("E_INPUT", `Cannot find the input:\n  ${problems.join("\n  ")}`);
  const paths = [...found].sort();
  return Promise.all(paths.map(async (path) => ({ path, bytes: (await stat(resolve(cwd, path))).size })));
}
