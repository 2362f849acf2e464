/**
 * Hugging Face tokenizer.json files for tests, built here instead of downloaded:
 * - `gpt2TokenizerJson`: GPT-2's byte-level BPE, rebuilt from the ranks the npm `tiktoken` package
 *   ships (merges recovered from the ranks, as transformers' TikTokenConverter does). It must give
 *   exactly tiktoken's ids, which makes tiktoken an independent reference for the HF path.
 * - `sentencePieceTokenizerJson`: a small Llama/Mistral-style tokenizer (Metaspace normalizer,
 *   byte fallback, `<s>`/`</s>` specials, tokenizer_config.json naming them).
 */
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);

/** GPT-2's reversible byte → printable character map (`bytes_to_unicode`). */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return map;
}

/** The two tokens whose merge produced `token` (BPE restricted to ranks below the token's own); strings are latin1 bytes. */
function splitToken(token: string, rank: number, ranks: Map<string, number>): [string, string] {
  let parts = [...token];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get((parts[i] as string) + (parts[i + 1] as string));
      if (r !== undefined && r < rank && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    parts.splice(best, 2, (parts[best] as string) + (parts[best + 1] as string));
  }
  if (parts.length !== 2) throw new Error(`token of rank ${rank} does not split in two`);
  return parts as [string, string];
}

let gpt2: string | undefined;

/** GPT-2's tokenizer.json (text). */
export function gpt2TokenizerJson(): string {
  if (gpt2 !== undefined) return gpt2;
  const source = require("tiktoken/encoders/gpt2.json") as { bpe_ranks: string; special_tokens: Record<string, number> };
  const [, offset, ...encoded] = source.bpe_ranks.split(" ");
  const tokens = encoded.map((b64) => Buffer.from(b64, "base64").toString("latin1"));
  const ranks = new Map<string, number>();
  tokens.forEach((t, i) => ranks.set(t, Number(offset) + i));
  const chars = bytesToUnicode();
  const show = (t: string): string => [...t].map((c) => chars[c.charCodeAt(0)]).join("");
  const vocab: Record<string, number> = {};
  const merges: string[] = [];
  tokens.forEach((t, i) => {
    vocab[show(t)] = Number(offset) + i;
    if (t.length > 1) {
      const [a, b] = splitToken(t, Number(offset) + i, ranks);
      merges.push(`${show(a)} ${show(b)}`);
    }
  });
  const added = Object.entries(source.special_tokens).map(([content, id]) => {
    vocab[content] = id;
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  gpt2 = JSON.stringify({
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges },
  });
  return gpt2;
}

/** A small SentencePiece-converted BPE in the shape of Llama 2's and Mistral's tokenizer.json. */
export function sentencePieceTokenizerJson(): string {
  const vocab: Record<string, number> = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = 3 + b;
  const pieces = ["▁", "e", "h", "l", "o", "t", "w", "r", "d", "s", "a", "n", "i", "he", "ll", "▁t", "▁w", "or", "▁the", "llo", "▁he", "▁hello", "▁wor", "ld", "▁world"];
  pieces.forEach((p, i) => (vocab[p] = 259 + i));
  const merges = ["h e", "l l", "▁ t", "▁ w", "o r", "▁t he", "ll o", "▁ he", "▁he llo", "▁w or", "l d", "▁wor ld"];
  const special = (id: number, content: string): Record<string, unknown> => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return JSON.stringify({
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [{ type: "Replace", pattern: { String: "▁" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }],
    },
    model: { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges },
  });
}

/** Writes a tokenizer.json (and optionally a tokenizer_config.json beside it) into `dir`; returns the path. */
export async function writeTokenizer(dir: string, json: string, config?: Record<string, unknown>): Promise<string> {
  const path = join(dir, "tokenizer.json");
  await writeFile(path, json);
  if (config) await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify(config));
  return path;
}
