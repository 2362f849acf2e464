/** Reading token shards back: what `refinery tokens inspect` prints. */
import type { TokenDtype, TokenFormat } from "../core/tokens/format.js";
import { PipelineError } from "../errors.js";
import { type ShardDocument, readShardInfo, readShardTokens } from "../io/token-files.js";
import { type TextTokenizer, loadTokenizer } from "../stages/tokenize/tokenizer.js";

export interface InspectedDocument {
  readonly index: number;
  readonly id?: string;
  readonly source?: unknown;
  readonly start: number;
  readonly tokens: number;
  /** The first and last ids, for a look at BOS/EOS placement. */
  readonly ids: { readonly first: readonly number[]; readonly last: readonly number[] };
  /** The decoded text (special tokens included as text), when a tokenizer is known. */
  readonly text?: string;
}

export interface TokenReport {
  readonly file: string;
  readonly format: TokenFormat;
  readonly dtype: TokenDtype;
  readonly tokens: number;
  /** `undefined` when neither the format nor an audit index records document boundaries and no EOS id is known. */
  readonly documents: number | undefined;
  /** How the document boundaries were found. */
  readonly boundaries: "index" | "audit index" | "eos" | "none";
  readonly tokenizer: string | undefined;
  readonly eos: number | null | undefined;
  readonly first: readonly InspectedDocument[];
}

export interface InspectOptions {
  /** How many documents to decode (default 3). */
  readonly docs?: number;
  /** A tiktoken encoding or tokenizer.json; default: the one recorded beside the shard. */
  readonly tokenizer?: string;
}

/** Splits a token range at EOS ids (each document ends with one). */
function splitAtEos(tokens: Uint32Array, eos: number): ShardDocument[] {
  const docs: ShardDocument[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === eos) {
      docs.push({ start, tokens: i + 1 - start });
      start = i + 1;
    }
  }
  if (start < tokens.length) docs.push({ start, tokens: tokens.length - start });
  return docs;
}

/** Reads a shard (any format), counts its tokens and documents, and decodes the first documents. */
export async function inspectTokens(file: string, options: InspectOptions = {}): Promise<TokenReport> {
  const info = await readShardInfo(file);
  const recorded = info.meta?.tokenizer as { spec?: string; file?: string } | undefined;
  const spec = options.tokenizer ?? recorded?.file ?? recorded?.spec;
  const eos = info.meta?.eos as number | null | undefined;
  let tokenizer: TextTokenizer | undefined;
  if (spec !== undefined) {
    try {
      tokenizer = loadTokenizer(spec);
    } catch (cause) {
      throw new PipelineError("E_USAGE", `Cannot load the tokenizer \`${spec}\`${options.tokenizer ? "" : " recorded beside the shard; pass --tokenizer"}: ${(cause as Error).message}`, { cause });
    }
  }
  let documents = info.documents;
  let boundaries: TokenReport["boundaries"] = documents === undefined ? "none" : info.format === "megatron" ? "index" : "audit index";
  if (documents === undefined && typeof eos === "number") {
    documents = splitAtEos(await readShardTokens(info, 0, info.tokens), eos);
    boundaries = "eos";
  }
  const want = Math.max(0, options.docs ?? 3);
  const chosen = documents === undefined ? (info.tokens > 0 ? [{ start: 0, tokens: Math.min(info.tokens, 256) }] : []) : documents.slice(0, want);
  const first: InspectedDocument[] = [];
  for (const [index, doc] of chosen.entries()) {
    const ids = await readShardTokens(info, doc.start, doc.tokens);
    const text = tokenizer ? await tokenizer.decode(ids) : undefined;
    first.push({
      index,
      ...(doc.id !== undefined ? { id: doc.id, source: doc.source } : {}),
      start: doc.start,
      tokens: doc.tokens,
      ids: { first: Array.from(ids.subarray(0, 4)), last: Array.from(ids.subarray(Math.max(0, ids.length - 4))) },
      ...(text !== undefined ? { text } : {}),
    });
  }
  return {
    file: info.prefix,
    format: info.format,
    dtype: info.dtype,
    tokens: info.tokens,
    documents: documents?.length,
    boundaries,
    tokenizer: tokenizer?.name,
    eos,
    first,
  };
}

/** The report as text, decoded documents shown as JSON strings (escapes make control characters visible). */
export function formatTokenReport(report: TokenReport, maxChars = 400): string {
  const lines = [
    `${report.file}`,
    `  format     ${report.format}`,
    `  dtype      ${report.dtype}`,
    `  tokens     ${report.tokens}`,
    `  documents  ${report.documents ?? "unknown (no index, no audit index, no EOS id)"}${report.boundaries === "eos" ? " (counted at EOS tokens)" : ""}`,
    `  tokenizer  ${report.tokenizer ?? "unknown (pass --tokenizer to decode)"}`,
  ];
  if (report.eos !== undefined) lines.push(`  eos        ${report.eos}`);
  for (const doc of report.first) {
    lines.push("", `document ${doc.index}${doc.id !== undefined ? ` \`${doc.id}\`` : ""}: tokens ${doc.start}–${doc.start + doc.tokens} (${doc.tokens}), ids ${doc.ids.first.join(" ")} … ${doc.ids.last.join(" ")}`);
    if (doc.text !== undefined) {
      const shown = doc.text.length > maxChars ? `${doc.text.slice(0, maxChars)}` : doc.text;
      lines.push(`  ${JSON.stringify(shown)}${doc.text.length > maxChars ? ` … (${doc.text.length} characters)` : ""}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
