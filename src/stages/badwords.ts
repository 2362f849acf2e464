/**
 * `badwords` (filter): drops documents that contain words of the LDNOOBW lists ("List of Dirty,
 * Naughty, Obscene, and Otherwise Bad Words", 28 languages, CC-BY-4.0, via the npm package
 * `naughty-words`), the rule C4 applies (Raffel et al. 2020, §2.2; mC4 per language, Xue et al.
 * 2021), or a softer rule. The list is chosen by the document's language tag; documents without a
 * tag use the `fallback` list; documents in a language without a list are kept unjudged (or, with
 * `unlisted: fallback`, judged by the fallback list); both are counted in stats.
 *
 * Codes: `badwords` (C4 rule: any listed word), `badwords_ratio` (soft rule: listed words above
 * `maxRatio`). The ledger gets the matched list entries and their counts, never the text.
 * Matching: one Aho–Corasick automaton per list; whole words for spaced scripts, substrings for
 * entries in unspaced scripts (see core/text/word-list.ts).
 */
import { createRequire } from "node:module";
import { z } from "zod";
import { getField } from "../core/doc.js";
import { unitHash } from "../core/hash.js";
import { type Json, StageOptionError } from "../core/stage.js";
import { countWhitespaceWords } from "../core/text/words.js";
import { type ListHits, WordListMatcher, normalizeEntry } from "../core/text/word-list.js";
import { type Drop, defineFilter } from "./define.js";
import { readListFile } from "./list-files.js";

/** Language keys of the lists in `naughty-words` 1.2.0 (file names of the LDNOOBW repository). */
export const LDNOOBW_LANGS = [
  "ar", "cs", "da", "de", "en", "eo", "es", "fa", "fi", "fil", "fr", "fr-CA-u-sd-caqc", "hi", "hu", "it", "ja",
  "kab", "ko", "nl", "no", "pl", "pt", "ru", "sv", "th", "tlh", "tr", "zh",
] as const;

/** Lists whose ratio is measured in characters (scripts without spaces between words). */
const UNSPACED_LISTS = new Set(["ja", "zh", "th"]);

/** ISO 639-2/3 codes (and a few aliases) of the languages that have a list → the list's key. */
const ALIASES: Readonly<Record<string, string>> = {
  ara: "ar", arb: "ar", ces: "cs", cze: "cs", dan: "da", deu: "de", ger: "de", eng: "en", epo: "eo", spa: "es",
  fas: "fa", per: "fa", pes: "fa", prs: "fa", fin: "fi", tgl: "fil", tl: "fil", fra: "fr", fre: "fr", hin: "hi", hun: "hu",
  ita: "it", jpn: "ja", kor: "ko", nld: "nl", dut: "nl", nor: "no", nob: "no", nno: "no", nb: "no", nn: "no", pol: "pl",
  por: "pt", rus: "ru", swe: "sv", tha: "th", tur: "tr", zho: "zh", chi: "zh", cmn: "zh", yue: "zh", wuu: "zh", hak: "zh", nan: "zh",
};

/**
 * The list keys for a language tag: BCP-47 (`pt-BR`, `zh-Hant-TW`), POSIX (`pt_BR`), ISO 639-2/3
 * (`deu`, `cmn`) and fastText-style (`jpn_Jpan`) forms are understood; `fr-CA` uses the French
 * and the Québec lists. Returns [] when no list exists.
 */
export function listKeysFor(tag: string, available: ReadonlySet<string>): string[] {
  const norm = tag.trim().replace(/_/g, "-").toLowerCase();
  if (norm === "") return [];
  for (const key of available) if (key.toLowerCase() === norm) return [key];
  const primary = norm.split("-")[0] as string;
  const base = available.has(primary) ? primary : ALIASES[primary];
  if (base === undefined || !available.has(base)) return [];
  if (base === "fr" && /^(fr|fra|fre)-ca\b/.test(norm) && available.has("fr-CA-u-sd-caqc")) return ["fr", "fr-CA-u-sd-caqc"];
  return [base];
}

/**
 * Entries removed from the lists by default: common subwords of unspaced languages, each of which
 * alone removes more than 10% of the documents of its language (datatrove's C4BadWordsFilter
 * `_BADWORDS_ALLOWLIST`, from the mC4 implementation in TensorFlow Datasets' c4_utils).
 */
const DEFAULT_ALLOW: Record<string, string[]> = { ja: ["sm", "グロ", "女の子"], zh: ["性"] };

const ListMap = z.record(z.string().min(1), z.array(z.string().min(1)));

const Options = z.strictObject({
  langField: z.string().min(1).default("lang").describe("Metadata field holding the document's language tag (BCP-47 like `pt-BR`, or ISO 639-3 like `por`)"),
  fallback: z
    .string()
    .min(1)
    .nullable()
    .default("en")
    .describe("List used for documents without a language tag (or tagged `und`), and for languages without a list when `unlisted: fallback` (C4 used English only); null keeps them unjudged"),
  unlisted: z
    .enum(["keep", "fallback"])
    .default("keep")
    .describe("Documents tagged with a language that has no list: keep them unjudged (counted as no_list/<lang>), or judge them with the fallback list (which misfires: English `cum` is Romanian for `how`)"),
  builtin: z.boolean().default(true).describe("Use the LDNOOBW lists of `naughty-words`; false uses only `files`"),
  files: ListMap.default({}).describe("Your own list files (one entry per line, `#` comments) by language tag; `*` adds a file to every language's list"),
  allow: ListMap.default(DEFAULT_ALLOW).describe("Entries removed from the lists, by language tag (`*`: all); the default is datatrove's allowlist of common Japanese and Chinese subwords"),
  maxRatio: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .default(null)
    .describe("Soft rule: drop only when matched spans exceed this share of the words (covered characters of all characters for ja, zh, th); null: C4 rule, any listed word drops"),
  keepFraction: z.number().min(0).max(1).default(0).describe("Keep this seeded share of the documents the rule flags (datatrove's `keep_fraction`; 0 in C4)"),
  seed: z.number().int().min(0).optional().describe("Seed of `keepFraction`; defaults to one derived from the pipeline seed and the stage id"),
  maxLedgerWords: z.number().int().min(1).default(20).describe("At most this many distinct matched entries are written to a ledger row (the most frequent)"),
});

/**
 * Automata shared by every stage instance of a thread that uses the same word list (a worker
 * builds each list once, however many stages or runs use it); at most 64 lists are kept.
 */
const SHARED = new Map<string, WordListMatcher>();
function sharedMatcher(words: readonly string[]): WordListMatcher {
  const key = words.join("\n");
  let m = SHARED.get(key);
  if (m === undefined) {
    m = new WordListMatcher(words);
    if (SHARED.size >= 64) SHARED.delete(SHARED.keys().next().value as string);
    SHARED.set(key, m);
  }
  return m;
}

type BuiltinLists = Readonly<Record<string, readonly string[]>>;
let builtinLists: BuiltinLists | undefined;

/** The LDNOOBW lists from `naughty-words` (loaded once per thread). */
export function ldnoobw(): BuiltinLists {
  builtinLists ??= createRequire(import.meta.url)("naughty-words") as BuiltinLists;
  return builtinLists;
}

export const badwords = defineFilter({
  use: "badwords",
  summary: "Drop documents with LDNOOBW bad words (C4 rule or a ratio), list chosen by language tag",
  options: Options,
  codes: ["badwords", "badwords_ratio"],
  create: (o) => {
    // the word lists by key: the builtin ones, plus user files under their own tags
    const sources = new Map<string, string[]>();
    if (o.builtin) for (const [key, words] of Object.entries(ldnoobw())) sources.set(key, [...words]);
    const everywhere: string[] = [];
    for (const [tag, paths] of Object.entries(o.files)) {
      const words = paths.flatMap((path, i) => readListFile(path, ["files", tag, i]));
      if (tag === "*") everywhere.push(...words);
      else {
        const keys = listKeysFor(tag, new Set(sources.keys()));
        const key = keys[0] ?? tag;
        sources.set(key, [...(sources.get(key) ?? []), ...words]);
      }
    }
    const available = new Set(sources.keys());
    if (o.fallback !== null && listKeysFor(o.fallback, available).length === 0 && everywhere.length === 0) {
      throw new StageOptionError(["fallback"], `no list for \`${o.fallback}\`; lists exist for: ${[...available].sort().join(", ") || "none (builtin: false and no files)"}`);
    }
    const allowFor = (keys: readonly string[]): Set<string> => {
      const allowed = new Set<string>();
      for (const [tag, words] of Object.entries(o.allow)) {
        if (tag !== "*" && !listKeysFor(tag, available).some((k) => keys.includes(k))) continue;
        for (const w of words) allowed.add(normalizeEntry(w));
      }
      return allowed;
    };

    // one automaton per combination of keys, built on first use
    const matchers = new Map<string, WordListMatcher>();
    const matcherFor = (keys: readonly string[]): WordListMatcher => {
      const id = keys.join("+");
      let m = matchers.get(id);
      if (m === undefined) {
        const allowed = allowFor(keys);
        const words = [...keys.flatMap((k) => sources.get(k) ?? []), ...everywhere].filter((w) => !allowed.has(normalizeEntry(w)));
        m = sharedMatcher(words);
        matchers.set(id, m);
      }
      return m;
    };
    const fallbackKeys = o.fallback === null ? [] : listKeysFor(o.fallback, available);
    const keysCache = new Map<string, string[]>();

    return (doc, ctx) => {
      const tag = getField(doc.meta, o.langField);
      let keys: string[];
      if (typeof tag !== "string" || tag.trim() === "" || tag === "und") {
        ctx.count("no_lang_tag");
        keys = fallbackKeys;
      } else {
        let found = keysCache.get(tag);
        if (found === undefined) {
          found = listKeysFor(tag, available);
          if (keysCache.size < 10_000) keysCache.set(tag, found);
        }
        keys = found;
        if (keys.length === 0) {
          ctx.count("no_list");
          ctx.count(`no_list/${tag}`);
          // `*` files still apply to every language
          if (o.unlisted === "fallback") keys = fallbackKeys;
          else if (everywhere.length === 0) return undefined;
        }
      }
      const listName = keys.length > 0 ? keys.join("+") : "*";
      const matcher = matcherFor(keys);
      if (matcher.size === 0) return undefined;
      ctx.count(`list/${listName}`);

      const hits = matcher.find(doc.text);
      if (hits.total === 0) return undefined;
      let removal: Drop<"badwords" | "badwords_ratio">;
      if (o.maxRatio === null) removal = { reason: "badwords", value: hits.spans, threshold: 0, detail: ledgerDetail(hits, listName, o.maxLedgerWords) };
      else {
        const unspaced = keys.some((k) => UNSPACED_LISTS.has(k));
        const ratio = unspaced ? hits.chars / Math.max(1, nonSpaceChars(doc.text)) : hits.spans / Math.max(1, countWhitespaceWords(doc.text));
        if (ratio <= o.maxRatio) {
          ctx.count("below_ratio");
          return undefined;
        }
        removal = { reason: "badwords_ratio", value: Number(ratio.toFixed(6)), threshold: o.maxRatio, detail: ledgerDetail(hits, listName, o.maxLedgerWords) };
      }
      ctx.count("flagged");
      if (o.keepFraction > 0 && unitHash(doc.id, ctx.seed) < o.keepFraction) {
        ctx.count("flagged_kept");
        return undefined;
      }
      return removal;
    };
  },
});

/** The ledger's view of the hits: the list used and the most frequent matched entries with counts. */
function ledgerDetail(hits: ListHits, list: string, max: number): Record<string, Json> {
  const top = [...hits.words].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, max);
  return { list, words: Object.fromEntries(top) };
}

function nonSpaceChars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000)) n++;
  }
  return n;
}
