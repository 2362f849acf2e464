/** Options of {@link normalizeText}; each step can be switched off. */
export interface NormalizeOptions {
  /** Unicode normalization form, or `null` to leave code points as they are. */
  readonly unicode: "NFC" | "NFKC" | null;
  /** `\r\n` and lone `\r` become `\n`. */
  readonly newlines: boolean;
  /**
   * Remove NUL and other C0/C1 control characters (keeping `\n` and `\t`), U+FEFF (BOM / zero-width
   * no-break space) and U+0085 (NEL). JS and Python tokenizers disagree on these, and they carry no text.
   */
  readonly controlChars: boolean;
  /** Runs of spaces and tabs become one space; spaces at the end of a line are removed. */
  readonly collapseSpaces: boolean;
  /** More than this many consecutive newlines are cut down to it; `null` keeps them all. */
  readonly maxNewlines: number | null;
  /** Leading and trailing whitespace of the whole text is removed. */
  readonly trim: boolean;
}

// \t (09) and \n (0A) are kept; \r (0D) is handled by `newlines` (or kept when that is off)
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFEFF]+/g;
const CONTROL_WITH_CR = /[\x00-\x08\x0B-\x1F\x7F-\x9F\uFEFF]+/g;
const ANY_CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F\uFEFF]/;
const CR = /\r\n?/g;
const SPACES = /[ \t]{2,}|\t/g;
const SPACE_PAIR = / [ \n]/;
const TRAILING = / \n/g;
// below U+0300 there are no combining marks and no characters that NFC/NFKC would change, except
// the compatibility characters NFKC folds (fullwidth forms etc. are far above; U+00A0–U+02FF hold some)
const BEYOND_NFC_SAFE = /[^\x00-\u02FF]/;
const BEYOND_ASCII = /[^\x00-\x7F]/;

/**
 * Normalizes text; returns the same string when nothing changes. Each step first checks, with one
 * scan, whether it has anything to do, since most text needs little or nothing.
 */
export function normalizeText(text: string, options: NormalizeOptions, known?: { readonly tidy: boolean }): string {
  let out = text;
  // `tidy`: the caller knows there are no control characters, CRs, tabs, double spaces or spaces before newlines
  const tidy = known?.tidy === true;
  if (!tidy && ANY_CONTROL.test(out)) {
    if (options.newlines && out.includes("\r")) out = out.replace(CR, "\n");
    if (options.controlChars) out = out.replace(options.newlines ? CONTROL : CONTROL_WITH_CR, "");
  }
  const form = options.unicode;
  if (form !== null && (form === "NFC" ? BEYOND_NFC_SAFE : BEYOND_ASCII).test(out)) out = out.normalize(form);
  if (options.collapseSpaces && !tidy && (out.includes("\t") || SPACE_PAIR.test(out))) {
    out = out.replace(SPACES, " ");
    if (out.includes(" \n")) out = out.replace(TRAILING, "\n");
  }
  if (options.maxNewlines !== null) out = limitNewlines(out, options.maxNewlines);
  if (options.trim) out = out.trim();
  return out;
}
const newlineRuns = new Map<number, RegExp>();

function limitNewlines(text: string, max: number): string {
  let re = newlineRuns.get(max);
  if (re === undefined) {
    re = new RegExp(`\\n{${max + 1},}`, "g");
    newlineRuns.set(max, re);
  }
  return text.replace(re, "\n".repeat(max));
}
