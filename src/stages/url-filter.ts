/**
 * `url-filter` (filter): drops documents by their URL, as RefinedWeb's URL filter does (Penedo et
 * al. 2023, appendix G.1; datatrove's URLFilter): a blocked domain (the host or any parent
 * domain), a blocked URL (UT1 `urls` entries: a host and path prefix), a hard-banned word among
 * the URL's words, at least `softThreshold` distinct soft-banned words, or a banned subword
 * anywhere in the URL with its punctuation removed. Lists are files (one entry per line, `#`
 * comments); small defaults ship in `data/url-filter/` (see its README for sources and licenses),
 * and UT1-style category folders can be given whole.
 *
 * Codes: blocked_domain, blocked_url, banned_url_word, soft_banned_url_words, banned_url_subword.
 */
import { domainToASCII } from "node:url";
import { z } from "zod";
import { getField } from "../core/doc.js";
import { StringSet } from "../core/string-set.js";
import { AhoCorasick } from "../core/text/aho-corasick.js";
import { defineFilter, drop } from "./define.js";
import { readDataList, readListFile, readUt1Folder } from "./list-files.js";

const DEFAULT_LISTS = ["domains", "bannedWords", "softBannedWords", "bannedSubwords"] as const;
const DATA_FILES: Record<(typeof DEFAULT_LISTS)[number], string> = {
  domains: "url-filter/domains.txt",
  bannedWords: "url-filter/banned-words.txt",
  softBannedWords: "url-filter/soft-banned-words.txt",
  bannedSubwords: "url-filter/banned-subwords.txt",
};

const Files = (what: string) => z.array(z.string().min(1)).default([]).describe(what);

const Options = z.strictObject({
  field: z.string().min(1).default("url").describe("Metadata field holding the document's URL"),
  defaults: z
    .array(z.enum(DEFAULT_LISTS))
    .default([...DEFAULT_LISTS])
    .describe("Shipped lists to use (data/url-filter/): domains (40 adult sites), and RefinedWeb's bannedWords, softBannedWords, bannedSubwords; [] for none"),
  domains: Files("Files of blocked domains; a domain blocks its subdomains too"),
  urls: Files("Files of blocked URLs, `host/path` without scheme (UT1 `urls` format); blocks that path and below"),
  ut1: Files("UT1-style folders: a category folder with `domains` (and optionally `urls`), or a folder of category folders (all are used)"),
  bannedWords: Files("Files of hard-banned words: one among the URL's words drops the document"),
  softBannedWords: Files("Files of soft-banned words: `softThreshold` distinct ones among the URL's words drop the document"),
  bannedSubwords: Files("Files of banned subwords, matched anywhere in the URL with non-alphanumeric characters removed"),
  softThreshold: z.number().int().min(1).default(2).describe("Distinct soft-banned words that drop a document (datatrove's soft_word_threshold)"),
  allowDomains: z.array(z.string().min(1)).default([]).describe("Domains (and their subdomains) never dropped by this stage, e.g. an encyclopedia whose URLs name body parts"),
});

/** A list entry as a bare lower-case ASCII host: scheme, path, port, `*.` and dots at the ends removed; IDN to punycode. */
export function normalizeDomain(entry: string): string {
  let d = entry.trim().toLowerCase();
  d = d.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  d = d.replace(/[/?#].*$/, "").replace(/:\d+$/, "");
  d = d.replace(/^\*?\.+/, "").replace(/\.+$/, "");
  if (d === "") return "";
  return (/^[\x00-\x7f]*$/.test(d) ? d : domainToASCII(d)) || d;
}

/** Host and path of a URL (scheme optional), or undefined when it cannot be parsed. */
export function parseUrl(raw: string): { host: string; path: string } | undefined {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/\.$/, "").replace(/^\[|\]$/g, "");
  if (host === "") return undefined;
  return { host, path: url.pathname };
}

/** The URL lower-cased, then percent-decoded (a bad escape is data, not an error: the encoded form is kept). */
function decodedLower(raw: string): string {
  const text = raw.toLowerCase();
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const ASCII = /^[\x00-\x7f]*$/;
/** 1 for the ASCII letters and digits: in ASCII text, exactly what `[\p{L}\p{N}]` matches. */
const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) ALNUM[c] = 1;

/** Runs of letters and digits of a decoded URL, distinct, in order of first appearance (a loop for ASCII URLs, the Unicode regex otherwise). */
function wordsOfDecoded(text: string): Set<string> {
  if (!ASCII.test(text)) return new Set(text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== ""));
  const out = new Set<string>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && ALNUM[text.charCodeAt(i)] === 0) i++;
    const start = i;
    while (i < n && ALNUM[text.charCodeAt(i)] === 1) i++;
    if (i > start) out.add(text.slice(start, i));
  }
  return out;
}

/** A decoded URL without the characters that are not letters or digits. */
function squashDecoded(text: string): string {
  return ASCII.test(text) ? text.replace(/[^a-z0-9]+/gi, "") : text.replace(/[^\p{L}\p{N}]+/gu, "");
}

/** The URL's words: lower-cased runs of letters and digits, after percent-decoding. */
export function urlWords(raw: string): Set<string> {
  return wordsOfDecoded(decodedLower(raw));
}

/** The URL with every character that is not a letter or digit removed, lower-cased (datatrove's `normalize`). */
export function squashUrl(raw: string): string {
  return squashDecoded(decodedLower(raw));
}

/** Host suffixes from the host itself up to the top-level domain: a.b.c → a.b.c, b.c, c. */
function parents(host: string): string[] {
  const out = [host];
  for (let i = host.indexOf("."); i !== -1; i = host.indexOf(".", i + 1)) out.push(host.slice(i + 1));
  return out;
}

export const urlFilter = defineFilter({
  use: "url-filter",
  summary: "Drop documents by URL: blocked domains and URLs, banned, soft-banned and sub-words (RefinedWeb)",
  options: Options,
  codes: ["blocked_domain", "blocked_url", "banned_url_word", "soft_banned_url_words", "banned_url_subword"],
  create: (o) => {
    const defaults = new Set(o.defaults);
    const load = (name: (typeof DEFAULT_LISTS)[number] | "urls", files: readonly string[]): string[] => [
      ...(name !== "urls" && defaults.has(name) ? readDataList(DATA_FILES[name]) : []),
      ...files.flatMap((f, i) => readListFile(f, [name, i])),
    ];
    const domainEntries = load("domains", o.domains);
    const urlEntries = load("urls", o.urls);
    o.ut1.forEach((folder, i) => {
      const lists = readUt1Folder(folder, ["ut1", i]);
      for (const d of lists.domains) domainEntries.push(d);
      for (const u of lists.urls) urlEntries.push(u);
    });

    const domains = new StringSet(domainEntries.length);
    for (const entry of domainEntries) {
      const d = normalizeDomain(entry);
      if (d !== "") domains.add(d);
    }
    const urls = new StringSet(urlEntries.length);
    for (const entry of urlEntries) {
      const u = entry.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^www\./, "").replace(/[?#].*$/, "").replace(/\/+$/, "");
      if (u !== "") urls.add(u);
    }
    const allow = new Set(o.allowDomains.map(normalizeDomain).filter((d) => d !== ""));
    const banned = new Set(load("bannedWords", o.bannedWords).flatMap((w) => [...urlWords(w)]));
    const soft = new Set(load("softBannedWords", o.softBannedWords).flatMap((w) => [...urlWords(w)]));
    const subwordEntries = [...new Set(load("bannedSubwords", o.bannedSubwords).map(squashUrl).filter((w) => w !== ""))];
    const subwords = subwordEntries.length > 0 ? new AhoCorasick(subwordEntries) : undefined;

    return (doc, ctx) => {
      const raw = getField(doc.meta, o.field);
      if (typeof raw !== "string" || raw.trim() === "") {
        ctx.count("no_url");
        return undefined;
      }
      const parsed = parseUrl(raw);
      if (parsed === undefined) ctx.count("invalid_url");
      else {
        const suffixes = parents(parsed.host);
        if (allow.size > 0) {
          for (const d of suffixes) {
            if (allow.has(d)) {
              ctx.count("allowed");
              return undefined;
            }
          }
        }
        for (const d of suffixes) if (domains.has(d)) return { ...drop("blocked_domain", d), detail: { host: parsed.host } };
        if (urls.size > 0) {
          const host = parsed.host.replace(/^www\./, "");
          const segments = parsed.path.toLowerCase().split("/").filter((s) => s !== "");
          for (const h of parents(host)) {
            let prefix = h;
            for (let i = 0; i <= Math.min(segments.length, 32); i++) {
              if (i > 0) prefix += `/${segments[i - 1]}`;
              if (urls.has(prefix)) return { ...drop("blocked_url", prefix), detail: { host: parsed.host } };
            }
          }
        }
      }
      const decoded = decodedLower(raw);
      const words = wordsOfDecoded(decoded);
      if (banned.size > 0) for (const w of words) if (banned.has(w)) return drop("banned_url_word", w);
      if (soft.size > 0) {
        const found = [...words].filter((w) => soft.has(w));
        if (found.length >= o.softThreshold) return { ...drop("soft_banned_url_words", found.length, o.softThreshold), detail: { words: found } };
      }
      if (subwords !== undefined) {
        let hit: string | undefined;
        subwords.scan(squashDecoded(decoded), (p) => {
          hit = subwordEntries[p];
          return false;
        });
        if (hit !== undefined) return drop("banned_url_subword", hit);
      }
      return undefined;
    };
  },
});
