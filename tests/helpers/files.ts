import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { decompress } from "zstd-napi";
import { gunzipSync } from "node:zlib";

/** A fresh temporary folder. */
export function tempDir(prefix = "refinery-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Reads a file, decompressing `.zst` and `.gz`. */
export async function readText(path: string): Promise<string> {
  const raw = await readFile(path);
  if (path.endsWith(".zst")) return raw.length === 0 ? "" : decompress(raw).toString("utf8");
  if (path.endsWith(".gz")) return gunzipSync(raw).toString("utf8");
  return raw.toString("utf8");
}

/** Parsed JSONL rows of a (compressed) file. */
export async function readRows<T = Record<string, unknown>>(path: string): Promise<T[]> {
  return (await readText(path))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);
}

/** Rows of every JSONL file under `dir`, in sorted file order. */
export async function readAllRows<T = Record<string, unknown>>(dir: string): Promise<T[]> {
  const files = await listFiles(dir);
  const rows: T[] = [];
  for (const f of files.filter((f) => /\.jsonl(\.zst|\.gz)?$/.test(f))) rows.push(...(await readRows<T>(join(dir, f))));
  return rows;
}

/** Every file under `dir` (relative paths, sorted). */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

/** Map of relative path → file bytes, for byte-for-byte comparison of two run folders. */
export async function snapshotDir(dir: string, skip: (path: string) => boolean = () => false): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of await listFiles(dir)) if (!skip(f)) out.set(f, await readFile(join(dir, f)));
  return out;
}

/** Yields `bytes` in `size`-byte pieces, splitting lines and multi-byte characters. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

/** JSON as Python's `json.dumps` writes it by default: every non-ASCII character as a `\u` escape. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
