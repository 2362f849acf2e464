/**
 * Stop-word lists by language. English uses Gopher's eight words (Rae et al. 2021, App. A.1.1:
 * the, be, to, of, and, that, have, with), which is what the reference pipelines use; other
 * languages use the lists of the `stopword` package (62 languages, maintained, MIT), looked up
 * from a language tag in ISO 639-1, ISO 639-3 or BCP 47 form (`de`, `deu`, `pt-BR`, `zh-Hans`).
 */
import * as stopword from "stopword";

/** Gopher's stop words (Rae et al. 2021, App. A.1.1), matched case-sensitively as the reference does. */
export const GOPHER_STOP_WORDS: readonly string[] = ["the", "be", "to", "of", "and", "that", "have", "with"];

// ISO 639-1 → the package's keys (ISO 639-3, plus its own `panGu` and `porBr`)
const ISO1: Readonly<Record<string, string>> = {
  af: "afr", ar: "ara", bn: "ben", br: "bre", bg: "bul", ca: "cat", cs: "ces", da: "dan", de: "deu", el: "ell", en: "eng",
  eo: "epo", et: "est", eu: "eus", fa: "fas", fi: "fin", fr: "fra", ga: "gle", gl: "glg", gu: "guj", ha: "hau", he: "heb",
  hi: "hin", hr: "hrv", hu: "hun", hy: "hye", id: "ind", it: "ita", ja: "jpn", ko: "kor", ku: "kur", la: "lat", lv: "lav",
  lt: "lit", mr: "mar", ms: "msa", my: "mya", nl: "nld", nb: "nob", no: "nob", pa: "panGu", pl: "pol", pt: "por", ro: "ron",
  ru: "rus", sk: "slk", sl: "slv", so: "som", st: "sot", es: "spa", sw: "swa", sv: "swe", tl: "tgl", th: "tha", tr: "tur",
  uk: "ukr", ur: "urd", vi: "vie", yo: "yor", zh: "zho", zu: "zul",
};
// ISO 639-3 individual languages whose list is filed under the macrolanguage or another code
const ISO3_ALIASES: Readonly<Record<string, string>> = {
  cmn: "zho", arb: "ara", pes: "fas", prs: "fas", zsm: "msa", ekk: "est", lvs: "lav", swh: "swa", fil: "tgl", pan: "panGu", nor: "nob", kmr: "kur", ckb: "kur",
};

/** The primary language of a tag, lowercased (`pt-BR` → `pt`, `zh_Hans` → `zh`); `undefined` for an empty tag. */
export function primaryLanguage(tag: string): string | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return primary === undefined || primary === "" ? undefined : primary;
}

/** True for tags naming English (`en`, `eng`, `en-US`). */
export function isEnglish(tag: string | undefined): boolean {
  if (tag === undefined) return false;
  const primary = primaryLanguage(tag);
  return primary === "en" || primary === "eng";
}

/** The `stopword` package key for a language tag, or `undefined` when it has no list. */
export function stopWordListKey(tag: string): string | undefined {
  const primary = primaryLanguage(tag);
  if (primary === undefined) return undefined;
  let key = ISO1[primary] ?? ISO3_ALIASES[primary] ?? primary;
  if (key === "por" && /[-_]br\b/i.test(tag)) key = "porBr";
  if (key === "_123" || key === "removeStopwords" || key === "default") return undefined;
  const list = (stopword as Record<string, unknown>)[key];
  return Array.isArray(list) ? key : undefined;
}

const sets = new Map<string, ReadonlySet<string>>();

/** The `stopword` package's list for a language tag (lowercase words), or `undefined` when it has none. */
export function stopWordsFor(tag: string): ReadonlySet<string> | undefined {
  const key = stopWordListKey(tag);
  if (key === undefined) return undefined;
  let set = sets.get(key);
  if (set === undefined) {
    set = new Set((stopword as Record<string, readonly string[]>)[key]);
    sets.set(key, set);
  }
  return set;
}
