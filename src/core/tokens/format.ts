/**
 * Byte layouts of the token files trainers read. Pure: bytes in, bytes out (no file access).
 *
 * - Megatron-LM indexed dataset (`megatron/core/datasets/indexed_dataset.py`, `_IndexWriter`):
 *   `.bin` holds the raw tokens; `.idx` is `MMIDIDX\x00\x00`, u64 version 1, u8 dtype code,
 *   u64 sequence count, u64 document count (= documents + 1), i32 sequence lengths, i64 byte
 *   pointers into `.bin`, i64 document indices (0, then the sequence index ending each document).
 *   Little-endian, no padding. One document is one sequence here.
 * - llm.c (`dev/data/data_common.py`, `write_datafile`): a header of 256 little-endian int32
 *   (magic, version, token count, zeros), then the tokens: magic 20240520 / version 1 for uint16
 *   tokens (GPT-2), magic 20240801 / version 7 for uint32 tokens (Llama 3).
 * - nanoGPT (`data/openwebtext/prepare.py`): the raw tokens only (np.memmap reads them); the
 *   dtype, token count and tokenizer are in a JSON sidecar.
 */

/** Token widths. `uint16` when every id the tokenizer can emit is < 65,536, else 32 bits. */
export type TokenDtype = "uint16" | "uint32" | "int32";

export const MEGATRON_MAGIC = new Uint8Array([0x4d, 0x4d, 0x49, 0x44, 0x49, 0x44, 0x58, 0x00, 0x00]); // "MMIDIDX\0\0"
/** Megatron's `DType` enum codes. */
export const MEGATRON_DTYPE_CODE: Readonly<Record<TokenDtype, number>> = { uint16: 8, int32: 4, uint32: -1 };
const MEGATRON_CODE_DTYPE: Readonly<Record<number, TokenDtype>> = { 8: "uint16", 4: "int32" };
/** Bytes before the sequence lengths in a Megatron `.idx`: 9 + 8 + 1 + 8 + 8. */
export const MEGATRON_HEADER_BYTES = 34;

export const LLMC_HEADER_INTS = 256;
export const LLMC_HEADER_BYTES = LLMC_HEADER_INTS * 4;
export const LLMC_UINT16 = { magic: 20240520, version: 1 } as const;
export const LLMC_UINT32 = { magic: 20240801, version: 7 } as const;

/** The output formats. */
export type TokenFormat = "megatron" | "nanogpt" | "llmc";

export function dtypeBytes(dtype: TokenDtype): 2 | 4 {
  return dtype === "uint16" ? 2 : 4;
}

/**
 * The token width for a format, from the largest id the tokenizer can emit. Megatron has no
 * uint32 code, so ids ≥ 65,536 are stored as int32 there (ids are < 2^31 for every tokenizer);
 * nanoGPT and llm.c use uint32.
 */
export function dtypeFor(format: TokenFormat, maxId: number): TokenDtype {
  if (!Number.isInteger(maxId) || maxId < 0) throw new RangeError(`invalid largest token id ${maxId}`);
  if (maxId < 65536) return "uint16";
  if (maxId >= 2 ** 31) throw new RangeError(`token id ${maxId} does not fit in int32`);
  return format === "megatron" ? "int32" : "uint32";
}

/** Bytes of the tokens, little-endian, in `dtype`; throws (never truncates) when an id does not fit. */
export function tokenBytes(ids: ArrayLike<number>, dtype: TokenDtype): Uint8Array {
  const n = ids.length;
  if (dtype === "uint16") {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const v = ids[i] as number;
      if (v > 0xffff || v < 0) throw new RangeError(`token id ${v} does not fit in uint16`);
      out[i] = v;
    }
    return new Uint8Array(out.buffer);
  }
  const out = dtype === "int32" ? new Int32Array(n) : new Uint32Array(n);
  const max = dtype === "int32" ? 0x7fffffff : 0xffffffff;
  for (let i = 0; i < n; i++) {
    const v = ids[i] as number;
    if (v > max || v < 0) throw new RangeError(`token id ${v} does not fit in ${dtype}`);
    out[i] = v;
  }
  return new Uint8Array(out.buffer);
}

/** Reads tokens of `dtype` from little-endian bytes. */
export function readTokens(bytes: Uint8Array, dtype: TokenDtype): Uint32Array {
  const width = dtypeBytes(dtype);
  const n = Math.floor(bytes.length / width);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * width);
  const out = new Uint32Array(n);
  if (width === 2) for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true);
  else for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** A Megatron `.idx` as Megatron's `_IndexReader` sees it. */
export interface MegatronIndex {
  readonly dtype: TokenDtype;
  /** Tokens per sequence (here: per document). */
  readonly lengths: Int32Array | readonly number[];
  /** Sequence index where each document starts, then the total: `[0, …, sequences]`. */
  readonly documentIndices: readonly number[];
}

/** Serialises a Megatron `.idx` for sequences of `lengths` tokens (pointers derived from them). */
export function megatronIndexBytes(index: MegatronIndex): Uint8Array {
  const code = MEGATRON_DTYPE_CODE[index.dtype];
  if (code < 0) throw new RangeError(`Megatron has no dtype code for ${index.dtype}; use int32`);
  const seqs = index.lengths.length;
  const docs = index.documentIndices.length;
  const size = MEGATRON_HEADER_BYTES + seqs * 4 + seqs * 8 + docs * 8;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MEGATRON_MAGIC, 0);
  view.setBigUint64(9, 1n, true);
  view.setUint8(17, code);
  view.setBigUint64(18, BigInt(seqs), true);
  view.setBigUint64(26, BigInt(docs), true);
  let at = MEGATRON_HEADER_BYTES;
  for (let i = 0; i < seqs; i++, at += 4) {
    const length = index.lengths[i] as number;
    if (length < 0 || length > 0x7fffffff) throw new RangeError(`sequence ${i} has ${length} tokens; Megatron stores lengths as int32`);
    view.setInt32(at, length, true);
  }
  const width = BigInt(dtypeBytes(index.dtype));
  let pointer = 0n;
  for (let i = 0; i < seqs; i++, at += 8) {
    view.setBigInt64(at, pointer, true);
    pointer += BigInt(index.lengths[i] as number) * width;
  }
  for (let i = 0; i < docs; i++, at += 8) view.setBigInt64(at, BigInt(index.documentIndices[i] as number), true);
  return out;
}

/** A parsed Megatron `.idx`, with the byte pointers as stored. */
export interface ParsedMegatronIndex extends MegatronIndex {
  readonly lengths: Int32Array;
  readonly pointers: readonly number[];
}

/** Parses a Megatron `.idx` the way `_IndexReader` does; throws with the reason when it is not one. */
export function parseMegatronIndex(bytes: Uint8Array): ParsedMegatronIndex {
  if (bytes.length < MEGATRON_HEADER_BYTES) throw new Error(`too short for a Megatron index (${bytes.length} bytes)`);
  for (let i = 0; i < MEGATRON_MAGIC.length; i++) if (bytes[i] !== MEGATRON_MAGIC[i]) throw new Error("bad header: expected MMIDIDX\\x00\\x00");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getBigUint64(9, true);
  if (version !== 1n) throw new Error(`bad version ${version}, expected 1`);
  const code = view.getUint8(17);
  const dtype = MEGATRON_CODE_DTYPE[code];
  if (dtype === undefined) throw new Error(`dtype code ${code} is not a token type Refinery reads (8 = uint16, 4 = int32)`);
  const seqs = Number(view.getBigUint64(18, true));
  const docs = Number(view.getBigUint64(26, true));
  const expected = MEGATRON_HEADER_BYTES + seqs * 12 + docs * 8;
  if (bytes.length < expected) throw new Error(`truncated: ${seqs} sequences and ${docs} document indices need ${expected} bytes, the file has ${bytes.length}`);
  const lengths = new Int32Array(seqs);
  let at = MEGATRON_HEADER_BYTES;
  for (let i = 0; i < seqs; i++, at += 4) lengths[i] = view.getInt32(at, true);
  const pointers: number[] = [];
  for (let i = 0; i < seqs; i++, at += 8) pointers.push(Number(view.getBigInt64(at, true)));
  const documentIndices: number[] = [];
  for (let i = 0; i < docs; i++, at += 8) documentIndices.push(Number(view.getBigInt64(at, true)));
  return { dtype, lengths, pointers, documentIndices };
}

/** The 1,024-byte llm.c header for `tokens` tokens of `dtype`. */
export function llmcHeader(tokens: number, dtype: TokenDtype): Uint8Array {
  if (tokens >= 2 ** 31) throw new RangeError(`llm.c stores the token count as int32; ${tokens} tokens do not fit (lower shardTokens)`);
  const { magic, version } = dtype === "uint16" ? LLMC_UINT16 : LLMC_UINT32;
  const out = new Uint8Array(LLMC_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setInt32(0, magic, true);
  view.setInt32(4, version, true);
  view.setInt32(8, tokens, true);
  return out;
}

/** Parses an llm.c header; `undefined` when the magic is not llm.c's. */
export function parseLlmcHeader(bytes: Uint8Array): { readonly dtype: TokenDtype; readonly tokens: number; readonly version: number } | undefined {
  if (bytes.length < LLMC_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, LLMC_HEADER_BYTES);
  const magic = view.getInt32(0, true);
  const version = view.getInt32(4, true);
  const tokens = view.getInt32(8, true);
  if (magic === LLMC_UINT16.magic && version === LLMC_UINT16.version) return { dtype: "uint16", tokens, version };
  if (magic === LLMC_UINT32.magic && version === LLMC_UINT32.version) return { dtype: "uint32", tokens, version };
  return undefined;
}
