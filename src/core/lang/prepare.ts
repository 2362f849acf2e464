/**
 * What a language detector is shown of a text: its words, lowercased, on one line.
 *
 * fastText reads one line (everything after the first line break is ignored), so line breaks
 * become spaces. Tokens that are code rather than language (command-line options, paths, URLs,
 * e-mail addresses, identifiers, numbers, placeholders like `%s` or `{0}`) are left out: on the
 * langid evaluation set they pull short paragraphs towards English. Digits, punctuation and
 * symbols inside kept tokens become spaces, and letters are lowercased (lid.176 is 0.4 points
 * more accurate on lowercased paragraphs, measured in bench/suites/language.ts). Every step is a
 * single pass over the text, linear in its length.
 */

/** Everything that is not a letter, a combining mark or an apostrophe. */
const NON_WORD = /[^\p{L}\p{M}'’]+/gu;

/** ASCII characters that make a token code-like: paths, URLs, e-mail, identifiers, markup, numbers. */
const CODE_CHAR = new Uint8Array(128);
for (const c of "\\/@_=<>{}[]%$#|~^*0123456789") CODE_CHAR[c.charCodeAt(0)] = 1;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x1680 || c === 0x202f || c === 0x205f;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** Scripts written without spaces (Thai, Lao, Tibetan, Myanmar, Khmer, kana, Han): a "token" there can be a whole sentence. */
function isUnspaced(c: number): boolean {
  return (c >= 0x0e00 && c <= 0x109f) || (c >= 0x1780 && c <= 0x17ff) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xd840 && c <= 0xd87f);
}

/**
 * Whether `text[start, end)` is code rather than language: it starts with `-` or `+` (options),
 * holds a digit or one of `\ / @ _ = < > { } [ ] % $ # | ~ ^ *`, or a `.` or `:` between two
 * letters (`file.txt`, `os.path`, `http:`), unless it holds characters of an unspaced script.
 */
function isCodeLike(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  let code = first === 45 || first === 43;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if (CODE_CHAR[c] === 1) code = true;
      else if ((c === 46 || c === 58) && i > start && i + 1 < end) {
        const before = text.charCodeAt(i - 1);
        const after = text.charCodeAt(i + 1);
        if ((isAsciiLetter(before) || before >= 128) && (isAsciiLetter(after) || after >= 128)) code = true;
      }
    } else if (isUnspaced(c)) return false;
  }
  return code;
}

/** A text made ready for a detector. */
export interface Prepared {
  /** Lowercased words separated by single spaces; empty when nothing language-like is left. */
  readonly text: string;
  /** Letters and combining marks in `text` (spaces and apostrophes not counted). */
  readonly letters: number;
}

/**
 * Cuts `text` to at most `maxChars` characters, at the last whitespace in the final fifth of the
 * window when there is one (so no word is cut in half), else exactly at `maxChars`.
 */
export function cutAt(text: string, maxChars: number | null): string {
  if (maxChars === null || text.length <= maxChars) return text;
  let end = maxChars;
  // never split a surrogate pair
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  const floor = Math.floor(maxChars * 0.8);
  for (let i = end; i > floor; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) return text.slice(0, i);
  }
  return text.slice(0, end);
}

/** Prepares (at most `maxChars` characters of) `text` for a detector. */
export function prepare(text: string, maxChars: number | null = null): Prepared {
  const source = cutAt(text, maxChars);
  const kept: string[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(source.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isSpace(source.charCodeAt(i))) i++;
    if (i > start && !isCodeLike(source, start, i)) kept.push(source.slice(start, i));
  }
  const out = kept.join(" ").toLowerCase().replace(NON_WORD, " ").trim();
  let letters = 0;
  for (let j = 0; j < out.length; j++) {
    const c = out.charCodeAt(j);
    // a surrogate pair is one letter: count the high half only
    if (c !== 32 && c !== 39 && c !== 0x2019 && !(c >= 0xdc00 && c <= 0xdfff)) letters++;
  }
  return { text: out, letters };
}

/** How a document is split for paragraph mode. */
export type SplitMode = "lines" | "paragraphs";

/** A piece of a document: its text and its length in the original document (for shares). */
export interface Unit {
  readonly text: string;
  readonly chars: number;
}

/**
 * Splits a document into units: every non-blank line (`lines`), or blocks separated by blank
 * lines (`paragraphs`). Whitespace-only units are left out; `chars` counts each unit's characters.
 */
export function splitUnits(text: string, mode: SplitMode): Unit[] {
  const units: Unit[] = [];
  const parts = mode === "lines" ? text.split("\n") : text.split(/\n[ \t\r]*\n/);
  for (const part of parts) {
    const trimmed = part.trim();
    if (trimmed !== "") units.push({ text: trimmed, chars: trimmed.length });
  }
  return units;
}
