/**
 * Tokenizers for the `tokenize` stage: the tiktoken encodings shipped in the npm `tiktoken`
 * package (Rust BPE compiled to WASM), and a user's Hugging Face `tokenizer.json` through the
 * `tokenizers` package (Hugging Face's own Rust library as a Node addon, the same code the Python
 * `tokenizers` runs). Both encode document text as ordinary text: special tokens written in a page
 * (`<|endoftext|>`, `</s>`, `<|im_start|>`) are text, never the special id.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { Json } from "../../core/stage.js";

/** The encodings inside the npm `tiktoken` package that are meant for text (p50k_edit is for edits). */
export const TIKTOKEN_ENCODINGS = ["gpt2", "r50k_base", "p50k_base", "cl100k_base", "o200k_base"] as const;
export type TiktokenName = (typeof TIKTOKEN_ENCODINGS)[number];

/** A loaded tokenizer. */
export interface TextTokenizer {
  /** `gpt2`, `cl100k_base`, … or the absolute path of a tokenizer.json. */
  readonly name: string;
  readonly kind: "tiktoken" | "huggingface";
  /** The largest id the tokenizer can produce, special tokens included (decides the dtype). */
  readonly maxId: number;
  /** Encodes text as ordinary text (special-token strings are text). */
  encode(text: string): Uint32Array | Promise<Uint32Array>;
  /** Decodes ids (special ids included) to text. */
  decode(ids: ArrayLike<number>): Promise<string>;
  /** The id of a token string (special or not), if the tokenizer has it. */
  tokenId(token: string): number | undefined;
  /** The default end-of-document token, if the tokenizer declares one. */
  readonly defaultEos: string | undefined;
  /** The tokenizer's declared beginning-of-sequence token, if any. */
  readonly defaultBos: string | undefined;
  /** Special ids that encoding ordinary text must never produce (a guard against a library bug). */
  readonly forbidden: ReadonlySet<number>;
  /** What produced the ids, for the manifest: library, version, file hash. */
  describe(): Record<string, Json>;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 5; i++) {
    const path = join(dir, "package.json");
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? "unknown";
    }
    dir = dirname(dir);
  }
  return "unknown";
}

export function isTiktokenName(name: string): name is TiktokenName {
  return (TIKTOKEN_ENCODINGS as readonly string[]).includes(name);
}

/** Loads a tokenizer by tiktoken encoding name or tokenizer.json path (relative to the working folder). */
export function loadTokenizer(spec: string): TextTokenizer {
  return isTiktokenName(spec) ? loadTiktoken(spec) : loadHuggingFace(resolve(spec));
}

interface TiktokenModule {
  get_encoding(name: string): {
    encode_ordinary(text: string): Uint32Array;
    decode(tokens: Uint32Array): Uint8Array;
    encode_single_token(bytes: Uint8Array): number;
  };
}

/**
 * Unicode White_Space, which `\s` means in the Rust regex tiktoken splits with. JavaScript's `\s`
 * differs: it adds U+FEFF and lacks U+0085 (NEL).
 */
const WHITE_SPACE = "\\t\\n\\v\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

/**
 * An encoding's pre-tokenizer pattern (`pat_str` of tiktoken's registry, Rust regex syntax) as a
 * JavaScript RegExp that splits text the same way: `\s`/`\S` spelled as Unicode White_Space, and
 * the case-insensitive groups `(?i:'s|'t|…)` (which Node 20 cannot write) as character classes,
 * with the simple case folding Rust applies (`s` also matches U+017F, ſ).
 */
export function tiktokenSplitter(patStr: string): RegExp {
  let p = patStr.replace(/\(\?i:([^()]*)\)/g, (_, body: string) => `(?:${body.replace(/[a-z]/g, (c) => (c === "s" ? "[sS\\u017F]" : `[${c}${c.toUpperCase()}]`))})`);
  p = p.replace(/\[\^\\s/g, `[^${WHITE_SPACE}`).replace(/\\s/g, `[${WHITE_SPACE}]`).replace(/\\S/g, `[^${WHITE_SPACE}]`);
  return new RegExp(p, "gu");
}

/** Pieces longer than this are encoded without being cached. */
const MAX_CACHED_PIECE = 48;
/** The piece cache is emptied when it holds this many pieces (about 10 MB). */
const MAX_CACHED_PIECES = 65_536;

/**
 * tiktoken's `encode_ordinary` is a regex split followed by byte-pair merges inside each piece, and
 * merges never cross pieces. This does the split with V8's regex engine and keeps the ids of recent
 * pieces (web text repeats its words), so only unseen pieces go to tiktoken's WASM. The ids are
 * tiktoken's own: the pieces are encoded by it, and the split is the same (checked against whole-text
 * `encode_ordinary` on 85,585 paragraphs in 58 languages and on edge cases for every encoding, with
 * no difference; `tests/stages/tokenize.test.ts` keeps a slice). Measured on the bench documents:
 * gpt2 7.5 → 22.9 MB/s, cl100k_base 5.0 → 21.4, o200k_base 2.9 → 12.7 (one core).
 */
function cachedEncoder(encodeOrdinary: (text: string) => Uint32Array, splitter: RegExp): (text: string) => Uint32Array {
  const cache = new Map<string, number | Uint32Array>();
  let out: Uint32Array<ArrayBuffer> = new Uint32Array(1 << 14);
  return (text) => {
    let n = 0;
    const re = splitter;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const piece = m[0];
      let ids = cache.get(piece);
      if (ids === undefined) {
        const encoded = encodeOrdinary(piece);
        ids = encoded.length === 1 ? (encoded[0] as number) : encoded;
        if (piece.length <= MAX_CACHED_PIECE) {
          if (cache.size >= MAX_CACHED_PIECES) cache.clear();
          cache.set(piece, ids);
        }
      }
      if (typeof ids === "number") {
        if (n === out.length) out = grow(out, n + 1);
        out[n++] = ids;
      } else {
        if (n + ids.length > out.length) out = grow(out, n + ids.length);
        out.set(ids, n);
        n += ids.length;
      }
    }
    return out.slice(0, n);
  };
}

function grow(buf: Uint32Array, need: number): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(Math.max(need, buf.length * 2));
  next.set(buf);
  return next;
}

function loadTiktoken(name: TiktokenName): TextTokenizer {
  // the encoder (WASM plus the ranks) is built on first use: compiling a pipeline only needs the
  // special tokens, and the main thread of a multi-worker run never encodes
  let encoder: ReturnType<TiktokenModule["get_encoding"]> | undefined;
  const encoding = (): ReturnType<TiktokenModule["get_encoding"]> => (encoder ??= (require("tiktoken") as TiktokenModule).get_encoding(name));
  // the special tokens and vocabulary size of each encoding, as tiktoken's registry declares them
  const specials = require(`tiktoken/encoders/${name}.json`) as { special_tokens: Record<string, number>; explicit_n_vocab?: number; pat_str: string };
  let encodeCached: ((text: string) => Uint32Array) | undefined;
  const specialIds = new Map(Object.entries(specials.special_tokens));
  // ranks are dense from 0; the special tokens sit above them except in p50k_base, whose explicit
  // vocabulary (50,281) goes past its only special token (50,256)
  const maxId = Math.max((specials.explicit_n_vocab ?? 0) - 1, ...specialIds.values());
  const utf8 = new TextEncoder();
  // ignoreBOM: a U+FEFF at the start of a document is text, not a byte-order mark to drop
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  return {
    name,
    kind: "tiktoken",
    maxId,
    defaultEos: "<|endoftext|>",
    defaultBos: undefined,
    forbidden: new Set(specialIds.values()),
    encode: (text) => (encodeCached ??= cachedEncoder((piece) => encoding().encode_ordinary(piece), tiktokenSplitter(specials.pat_str)))(text),
    decode: async (ids) => decoder.decode(encoding().decode(Uint32Array.from(ids))),
    tokenId(token) {
      const special = specialIds.get(token);
      if (special !== undefined) return special;
      try {
        return encoding().encode_single_token(utf8.encode(token));
      } catch {
        return undefined;
      }
    },
    describe: () => ({ library: "tiktoken", version: packageVersion("tiktoken"), encoding: name, vocabulary: maxId + 1 }),
  };
}

interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special?: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedToken[];
  model?: { type?: string; vocab?: Record<string, number> | [string, number][]; unk_token?: string | null; unk_id?: number | null };
}

interface NativeTokenizer {
  encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
}

interface TokenizersModule {
  Tokenizer: { fromString(json: string): NativeTokenizer };
}

/** `eos_token` / `bos_token` of a tokenizer_config.json: a string or `{content}`. */
function configToken(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") return (value as { content: string }).content;
  return undefined;
}

function loadHuggingFace(path: string): TextTokenizer {
  const text = readFileSync(path, "utf8");
  const sha256 = createHash("sha256").update(text).digest("hex");
  const json = JSON.parse(text) as TokenizerJson;
  const added = json.added_tokens ?? [];
  const vocab = json.model?.vocab;
  const ids = new Map<string, number>();
  let maxId = -1;
  if (Array.isArray(vocab)) {
    vocab.forEach(([piece], i) => ids.set(piece, i));
    maxId = vocab.length - 1;
  } else if (vocab) {
    for (const [piece, id] of Object.entries(vocab)) {
      ids.set(piece, id);
      if (id > maxId) maxId = id;
    }
  }
  for (const token of added) {
    ids.set(token.content, token.id);
    if (token.id > maxId) maxId = token.id;
  }
  if (maxId < 0) throw new Error(`${path}: no vocabulary (model.vocab) and no added_tokens`);
  const unkId = json.model?.unk_token != null ? ids.get(json.model.unk_token) : json.model?.unk_id ?? undefined;
  const special = added.filter((t) => t.special === true);
  const forbidden = new Set(special.map((t) => t.id).filter((id) => id !== unkId));

  // special added tokens are matched in the text before the model runs; without them the model
  // tokenizes `</s>` or `<|endoftext|>` written in a page like any other text
  const ordinary: TokenizerJson = { ...json, added_tokens: added.filter((t) => t.special !== true) };
  const lib = require("tokenizers") as TokenizersModule;
  // built now, so that a tokenizer.json the library cannot read is reported before the run starts
  const encoder = lib.Tokenizer.fromString(JSON.stringify(ordinary));
  let decoder: NativeTokenizer | undefined;

  let defaultEos: string | undefined;
  let defaultBos: string | undefined;
  const configPath = join(dirname(path), "tokenizer_config.json");
  if (existsSync(configPath)) {
    const config = JSON.parse(readFileSync(configPath, "utf8")) as { eos_token?: unknown; bos_token?: unknown };
    defaultEos = configToken(config.eos_token);
    defaultBos = configToken(config.bos_token);
  }
  return {
    name: path,
    kind: "huggingface",
    maxId,
    defaultEos,
    defaultBos,
    forbidden,
    async encode(input) {
      const encoding = await encoder.encode(input, null, { addSpecialTokens: false });
      return Uint32Array.from(encoding.getIds());
    },
    async decode(list) {
      decoder ??= lib.Tokenizer.fromString(text);
      return decoder.decode(Array.from(list), false);
    },
    tokenId: (token) => ids.get(token),
    describe: () => ({ library: "tokenizers", version: packageVersion("tokenizers"), file: path, sha256, model: json.model?.type ?? "unknown", vocabulary: maxId + 1 }),
  };
}
