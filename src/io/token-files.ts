/**
 * Token files on disk: a buffered writer that commits by rename, reading shards back in any of
 * the three formats (for `refinery tokens inspect` and tests), and merging Megatron datasets.
 */
import { createReadStream, readSync } from "node:fs";
import { type FileHandle, mkdir, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  LLMC_HEADER_BYTES,
  type TokenDtype,
  type TokenFormat,
  dtypeBytes,
  megatronIndexBytes,
  parseLlmcHeader,
  parseMegatronIndex,
  readTokens,
} from "../core/tokens/format.js";
import { PipelineError } from "../errors.js";

const CHUNK = 1 << 20;

/** Writes a file under `<path>.tmp` in ~1 MiB chunks; `commit` renames it to `path`. */
export class StagedFile {
  #handle: FileHandle | undefined;
  #parts: Uint8Array[] = [];
  #pending = 0;
  bytes = 0;

  private constructor(readonly path: string) {}

  static async create(path: string): Promise<StagedFile> {
    await mkdir(dirname(path), { recursive: true });
    const file = new StagedFile(path);
    file.#handle = await open(`${path}.tmp`, "w");
    return file;
  }

  async write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.#parts.push(bytes);
    this.#pending += bytes.length;
    this.bytes += bytes.length;
    if (this.#pending >= CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending === 0 || this.#handle === undefined) return;
    const chunk = this.#parts.length === 1 ? (this.#parts[0] as Uint8Array) : Buffer.concat(this.#parts);
    this.#parts = [];
    this.#pending = 0;
    await this.#handle.write(chunk);
  }

  /** Flushes and closes the temporary file (it is renamed by `commit`). */
  async close(): Promise<void> {
    await this.flush();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async commit(): Promise<void> {
    await this.close();
    await rename(`${this.path}.tmp`, this.path);
  }

  async abort(): Promise<void> {
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
    await rm(`${this.path}.tmp`, { force: true });
  }
}

/** Reads `length` bytes at `position`, failing loudly on a short read (a truncated file). */
export async function readAt(handle: FileHandle, position: number, length: number, what: string): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new PipelineError("E_RUN", `${what}: expected ${length} bytes at offset ${position}, the file ends after ${done}`);
    done += bytesRead;
  }
  return buffer;
}

/**
 * {@link readAt} without a trip through the thread pool: for many small reads of files that were
 * just written (in the page cache), where each awaited read would cost far more than the copy
 * (the tokenize write step reads two pieces per document: measured 3.5 s → see README).
 */
export function readAtSync(handle: FileHandle, position: number, length: number, what: string): Uint8Array {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const bytesRead = readSync(handle.fd, buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new PipelineError("E_RUN", `${what}: expected ${length} bytes at offset ${position}, the file ends after ${done}`);
    done += bytesRead;
  }
  return buffer;
}

/** `train_00000.bin`, `.idx`, `.json`, `.docs.jsonl` or the bare prefix → the prefix. */
export function tokenPrefix(path: string): string {
  return path.replace(/(\.docs\.jsonl|\.bin|\.idx|\.json)$/, "");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** One document's place in a shard: token range and, when the audit index is there, its id. */
export interface ShardDocument {
  readonly start: number;
  readonly tokens: number;
  readonly id?: string;
  readonly source?: unknown;
}

/** What a token shard holds, read from its own files. */
export interface ShardInfo {
  readonly prefix: string;
  readonly format: TokenFormat;
  readonly dtype: TokenDtype;
  readonly tokens: number;
  /** Document boundaries, when the format or the audit index records them. */
  readonly documents: readonly ShardDocument[] | undefined;
  /** Byte offset of the first token in the `.bin`. */
  readonly dataOffset: number;
  /** The nanoGPT sidecar or the tokens manifest that describes the shard, if found. */
  readonly meta: Readonly<Record<string, unknown>> | undefined;
}

/** Reads the audit index (`<prefix>.docs.jsonl`) when present. */
export async function readDocIndex(prefix: string): Promise<ShardDocument[] | undefined> {
  const path = `${prefix}.docs.jsonl`;
  if (!(await exists(path))) return undefined;
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as ShardDocument;
      } catch (cause) {
        throw new PipelineError("E_INPUT", `${path}:${i + 1}: not a JSON object (${(cause as Error).message})`, { cause });
      }
    });
}

/** Identifies a shard's format and reads its counts; errors say which file is wrong and why. */
export async function readShardInfo(file: string): Promise<ShardInfo> {
  const prefix = tokenPrefix(file);
  const bin = `${prefix}.bin`;
  const binStat = await stat(bin).catch(() => undefined);
  if (binStat === undefined) throw new PipelineError("E_USAGE", `No token file \`${bin}\``);
  const docIndex = await readDocIndex(prefix);
  if (await exists(`${prefix}.idx`)) {
    let index;
    try {
      index = parseMegatronIndex(await readFile(`${prefix}.idx`));
    } catch (cause) {
      throw new PipelineError("E_INPUT", `${prefix}.idx: not a Megatron index: ${(cause as Error).message}`, { cause });
    }
    const width = dtypeBytes(index.dtype);
    let tokens = 0;
    for (const length of index.lengths) tokens += length;
    if (binStat.size !== tokens * width) throw new PipelineError("E_INPUT", `${bin}: ${binStat.size} bytes, but its index describes ${tokens} ${index.dtype} tokens (${tokens * width} bytes)`);
    const documents: ShardDocument[] = [];
    const docs = index.documentIndices;
    for (let d = 0; d + 1 < docs.length; d++) {
      const first = docs[d] as number;
      const end = docs[d + 1] as number;
      let length = 0;
      for (let s = first; s < end; s++) length += index.lengths[s] as number;
      const start = first < index.pointers.length ? (index.pointers[first] as number) / width : tokens;
      const audit = docIndex?.[d];
      documents.push({ start, tokens: length, ...(audit?.id !== undefined ? { id: audit.id, source: audit.source } : {}) });
    }
    return { prefix, format: "megatron", dtype: index.dtype, tokens, documents, dataOffset: 0, meta: await findTokensManifest(prefix) };
  }
  const head = Buffer.alloc(LLMC_HEADER_BYTES);
  const handle = await open(bin, "r");
  try {
    await handle.read(head, 0, LLMC_HEADER_BYTES, 0);
  } finally {
    await handle.close();
  }
  const llmc = binStat.size >= LLMC_HEADER_BYTES ? parseLlmcHeader(head) : undefined;
  if (llmc) {
    const expected = LLMC_HEADER_BYTES + llmc.tokens * dtypeBytes(llmc.dtype);
    if (binStat.size !== expected) throw new PipelineError("E_INPUT", `${bin}: ${binStat.size} bytes, but its llm.c header declares ${llmc.tokens} ${llmc.dtype} tokens (${expected} bytes)`);
    return { prefix, format: "llmc", dtype: llmc.dtype, tokens: llmc.tokens, documents: docIndex, dataOffset: LLMC_HEADER_BYTES, meta: await findTokensManifest(prefix) };
  }
  if (await exists(`${prefix}.json`)) {
    const sidecar = JSON.parse(await readFile(`${prefix}.json`, "utf8")) as { format?: string; dtype?: TokenDtype; tokens?: number };
    if (sidecar.format === "nanogpt" && (sidecar.dtype === "uint16" || sidecar.dtype === "uint32")) {
      const tokens = binStat.size / dtypeBytes(sidecar.dtype);
      if (tokens !== sidecar.tokens) throw new PipelineError("E_INPUT", `${bin}: ${binStat.size} bytes = ${tokens} ${sidecar.dtype} tokens, but ${prefix}.json says ${sidecar.tokens}`);
      return { prefix, format: "nanogpt", dtype: sidecar.dtype, tokens, documents: docIndex, dataOffset: 0, meta: sidecar as Record<string, unknown> };
    }
  }
  throw new PipelineError("E_USAGE", `${bin}: not a token file Refinery knows: no Megatron ${basename(prefix)}.idx, no llm.c header (magic 20240520 or 20240801), no nanoGPT sidecar ${basename(prefix)}.json`);
}

/** The `manifest.json` that the tokenize stage writes beside the split folders, if this shard has one. */
async function findTokensManifest(prefix: string): Promise<Record<string, unknown> | undefined> {
  for (const dir of [dirname(prefix), dirname(dirname(prefix))]) {
    const path = join(dir, "manifest.json");
    if (!(await exists(path))) continue;
    try {
      const manifest = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      if (manifest.kind === "refinery-tokens") return manifest;
    } catch {
      // not ours
    }
  }
  return undefined;
}

/** Reads tokens `[start, start + count)` of a shard. */
export async function readShardTokens(info: ShardInfo, start: number, count: number): Promise<Uint32Array> {
  const width = dtypeBytes(info.dtype);
  const handle = await open(`${info.prefix}.bin`, "r");
  try {
    return readTokens(await readAt(handle, info.dataOffset + start * width, count * width, `${info.prefix}.bin`), info.dtype);
  } finally {
    await handle.close();
  }
}

/** Every Megatron dataset prefix named by `inputs`: prefixes, `.bin`/`.idx` paths, or folders (all `.idx` inside, sorted). */
export async function megatronPrefixes(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(input)).filter((n) => n.endsWith(".idx")).sort();
      if (names.length === 0) throw new PipelineError("E_USAGE", `${input}: no .idx files in this folder`);
      out.push(...names.map((n) => join(input, n.slice(0, -4))));
    } else out.push(tokenPrefix(input));
  }
  return out;
}

/** What `mergeMegatron` wrote. */
export interface MergeResult {
  readonly prefix: string;
  readonly inputs: number;
  readonly dtype: TokenDtype;
  readonly documents: number;
  readonly sequences: number;
  readonly tokens: number;
  /** Whether every input had an audit index, so the merged one was written. */
  readonly auditIndex: boolean;
}

/**
 * Concatenates Megatron datasets into one, like Megatron's `IndexedDatasetBuilder.add_index`:
 * sequence lengths are appended, byte pointers recomputed, document indices offset. The audit
 * indexes (`.docs.jsonl`) are merged too when every input has one. Files are written under
 * temporary names and renamed at the end.
 */
export async function mergeMegatron(inputs: readonly string[], output: string): Promise<MergeResult> {
  const prefixes = await megatronPrefixes(inputs);
  if (prefixes.length === 0) throw new PipelineError("E_USAGE", "merge-shards: name at least one Megatron dataset");
  const outPrefix = tokenPrefix(output);
  if (prefixes.includes(outPrefix)) throw new PipelineError("E_USAGE", `merge-shards: the output \`${outPrefix}\` is also an input`);
  const lengths: number[] = [];
  const documentIndices: number[] = [0];
  let dtype: TokenDtype | undefined;
  let tokens = 0;
  const audits: (ShardDocument[] | undefined)[] = [];
  const indexes = [];
  for (const prefix of prefixes) {
    let index;
    try {
      index = parseMegatronIndex(await readFile(`${prefix}.idx`));
    } catch (cause) {
      throw new PipelineError("E_INPUT", `${prefix}.idx: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not a Megatron index: ${(cause as Error).message}`}`, { cause });
    }
    if (dtype !== undefined && index.dtype !== dtype) throw new PipelineError("E_INPUT", `${prefix}.idx holds ${index.dtype} tokens, ${prefixes[0]}.idx holds ${dtype}: datasets of different dtypes cannot be merged`);
    dtype = index.dtype;
    const size = (await stat(`${prefix}.bin`).catch(() => undefined))?.size;
    let shardTokens = 0;
    for (const length of index.lengths) shardTokens += length;
    if (size !== shardTokens * dtypeBytes(index.dtype)) throw new PipelineError("E_INPUT", `${prefix}.bin: ${size === undefined ? "missing" : `${size} bytes`}, but its index describes ${shardTokens * dtypeBytes(index.dtype)} bytes`);
    const offset = lengths.length;
    for (const length of index.lengths) lengths.push(length);
    for (const d of index.documentIndices.slice(1)) documentIndices.push(offset + d);
    audits.push(await readDocIndex(prefix));
    indexes.push({ prefix, tokens: shardTokens });
    tokens += shardTokens;
  }
  const finalDtype = dtype as TokenDtype;
  const bin = await StagedFile.create(`${outPrefix}.bin`);
  const idx = await StagedFile.create(`${outPrefix}.idx`);
  const auditIndex = audits.every((a) => a !== undefined);
  const audit = auditIndex ? await StagedFile.create(`${outPrefix}.docs.jsonl`) : undefined;
  try {
    let doc = 0;
    let base = 0;
    for (const [i, { prefix, tokens: shardTokens }] of indexes.entries()) {
      for await (const chunk of createReadStream(`${prefix}.bin`, { highWaterMark: CHUNK })) await bin.write(chunk as Buffer);
      for (const row of audits[i] ?? []) {
        const { start, tokens: n, ...rest } = row as ShardDocument & { doc?: number };
        delete (rest as { doc?: number }).doc;
        await audit?.write(`${JSON.stringify({ doc, start: base + start, tokens: n, ...rest })}\n`);
        doc++;
      }
      base += shardTokens;
    }
    await idx.write(megatronIndexBytes({ dtype: finalDtype, lengths, documentIndices }));
    await bin.commit();
    if (audit) await audit.commit();
    else await rm(`${outPrefix}.docs.jsonl`, { force: true }); // an older merge's audit index would not match
    await idx.commit();
  } catch (error) {
    await Promise.all([bin.abort(), idx.abort(), audit?.abort()]);
    throw error;
  }
  return { prefix: outPrefix, inputs: prefixes.length, dtype: finalDtype, documents: documentIndices.length - 1, sequences: lengths.length, tokens, auditIndex };
}
