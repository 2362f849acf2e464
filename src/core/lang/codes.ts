/**
 * Refinery's language codes: ISO 639-1 where one exists (`en`, `de`, `zh`, `ja`), else ISO 639-3
 * (`ast`, `ceb`), `und` for undetermined. docs/languages.md lists every code each detector can
 * write. Stages with per-language resources (stop words, bad words) key them by these codes and
 * can read codes written elsewhere (BCP 47 tags, ISO 639-3, withdrawn codes) with `toLanguageCode`.
 */
import { ISO639_3_TO_1, LANGUAGE_NAMES } from "./tables.js";

/** The code for "undetermined" (ISO 639-2). */
export const UND = "und";

/** Codes that mean the same language as a Refinery code; BCP 47 and withdrawn ISO codes. */
const ALIASES: Readonly<Record<string, string>> = {
  nb: "no", // Norwegian Bokmål: lid.176 and CLD2 call it `no`
  nob: "no",
  fil: "tl", // Filipino (e.g. the LDNOOBW list) is Tagalog for the detectors
  iw: "he",
  in: "id",
  ji: "yi",
  jw: "jv",
  mo: "ro",
  sh: "hbs",
  bh: "bih",
};

/**
 * The Refinery code for a language tag written elsewhere: lowercases, drops region and script
 * subtags (`pt-BR` → `pt`, `zh-Hant` → `zh`), maps ISO 639-3 to 639-1 where one exists
 * (`deu` → `de`) and withdrawn or alternative codes to current ones (`iw` → `he`, `nb` → `no`,
 * `fil` → `tl`). Returns `undefined` for anything that is not a 2–3 letter language subtag.
 */
export function toLanguageCode(tag: string): string | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/, 1)[0] ?? "";
  if (!/^[a-z]{2,3}$/.test(primary)) return undefined;
  return ALIASES[primary] ?? ISO639_3_TO_1[primary] ?? primary;
}

/** Whether some detector can write `code` (or it is `und`). */
export function isDetectableCode(code: string): boolean {
  return code === UND || Object.hasOwn(LANGUAGE_NAMES, code);
}

/** The English name of a code, or the code itself. */
export function languageName(code: string): string {
  return LANGUAGE_NAMES[code] ?? code;
}
