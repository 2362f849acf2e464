/**
 * Reading user list files for the safety stages (`badwords`, `url-filter`): UTF-8 text, one entry
 * per line; blank lines and lines starting with `#` are skipped, and ` #` starts a comment at the
 * end of a line. Relative paths are resolved against the working directory the pipeline runs in
 * (the same folder input paths are relative to). Files are read once, when the stage is built;
 * a missing or unreadable file is a configuration error naming the option and the file.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StageOptionError } from "../core/stage.js";

/** Entries of a list text (see the module comment for the format). */
export function parseList(text: string): string[] {
  const entries: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const hash = raw.search(/(^|\s)#/);
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line !== "") entries.push(line);
  }
  return entries;
}

/** Resolves a user path against the working directory. */
export function resolveUserPath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

/** Reads one list file; `option` is the option path reported on failure. */
export function readListFile(path: string, option: readonly PropertyKey[]): string[] {
  let text: string;
  try {
    text = readFileSync(resolveUserPath(path), "utf8");
  } catch (cause) {
    throw new StageOptionError(option, `cannot read list file \`${path}\` (relative to ${process.cwd()}): ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
  return parseList(text);
}

/** A data file shipped with Refinery under `data/` (the same path from `src/` and from `dist/`). */
export function dataPath(relative: string): string {
  return fileURLToPath(new URL(`../../data/${relative}`, import.meta.url));
}

/** Reads a shipped data list. */
export function readDataList(relative: string): string[] {
  return parseList(readFileSync(dataPath(relative), "utf8"));
}

/**
 * A UT1-style category folder (`blacklists/adult/` with `domains` and optionally `urls` files),
 * or a folder of such category folders (every category in it is used).
 */
export function readUt1Folder(path: string, option: readonly PropertyKey[]): { domains: string[]; urls: string[]; categories: string[] } {
  const dir = resolveUserPath(path);
  const isDir = (p: string): boolean => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const isFile = (p: string): boolean => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (!isDir(dir)) throw new StageOptionError(option, `\`${path}\` is not a folder (relative to ${process.cwd()}); expected a UT1 category folder with a \`domains\` file, or a folder of them`);
  const categories = isFile(join(dir, "domains")) ? [dir] : readdirSync(dir).sort().map((name) => join(dir, name)).filter((p) => isFile(join(p, "domains")));
  if (categories.length === 0) throw new StageOptionError(option, `\`${path}\` has no \`domains\` file and no category folder with one (UT1 layout: <category>/domains, <category>/urls)`);
  const domains: string[] = [];
  const urls: string[] = [];
  for (const category of categories) {
    domains.push(...readListFile(join(category, "domains"), option));
    if (isFile(join(category, "urls"))) urls.push(...readListFile(join(category, "urls"), option));
  }
  return { domains, urls, categories: categories.map((c) => c.slice(dir.length + 1) || ".") };
}
