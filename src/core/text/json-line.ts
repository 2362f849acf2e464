/**
 * Reading a JSONL line without decoding it. Most lines of a clean dump are already in Refinery's
 * output shape (`{"id": "…", "text": "…", …}`) with nothing for `normalize` to do, and a pipeline
 * that does not read their text (a passthrough, a resharding, a filter on metadata) can write them
 * back as they are. Turning a line into JavaScript strings costs more than everything else such a
 * pipeline does (UTF-8 to UTF-16 of the whole line, then `JSON.parse`); this module instead checks
 * the line's JSON grammar and finds its id and text on the bytes, as simdjson's "on demand" API
 * does. Whatever is not certain (a control character, raw or escaped, an escape other than
 * `\n \" \\ \/ \t \r` and `\uXXXX`, a `\u` escape of ASCII or U+FEFF, a duplicate `id` or `text`
 * key, a number id, deep nesting) is left to `JSON.parse`. A text whose
 * only untidiness is spaces, tabs and carriage returns is tidied on the bytes too
 * ({@link tidyPlainLine}).
 *
 * A line accepted here is one `JSON.parse` accepts, and the id, text and facts below are exactly
 * what decoding it would give (tests compare both on random and real lines).
 */
import { type StringCounts, hex4, scanLine, softWorkAt, stringCounts, stringCountsJs } from "./json-scan.js";

/** What is known of an accepted line. Ranges are byte offsets of a string's contents (inside its quotes). */
export interface PlainLine {
  readonly idStart: number;
  readonly idEnd: number;
  readonly textStart: number;
  readonly textEnd: number;
  /** The decoded text's length in UTF-16 code units (`text.length`). */
  readonly chars: number;
  /** Whether the text is ASCII. */
  readonly ascii: boolean;
  /**
   * Whether all code points from U+0300 on (the only ones Unicode normalization can change) are in
   * blocks NFC leaves alone, so NFC changes nothing; true when there are none.
   */
  readonly nfcByBlock: boolean;
  /**
   * Whether the text is known to have nothing for `normalize`'s whitespace and control-character
   * steps; when false, all it may have is runs of spaces, tabs, spaces before newlines and CRs.
   */
  readonly tidy: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The `u` of a `\uXXXX` escape. */
const LETTER_U = 0x75;
const SPACE = 0x20;
const MAX_DEPTH = 256;
const stack = new Uint8Array(MAX_DEPTH);
const OBJECT = 1;
const ARRAY = 2;

// what the scanner expects next
const KEY_OR_CLOSE = 0; // after `{`
const KEY = 1; // after `,` in an object
const VALUE_OR_CLOSE = 2; // after `[`
const VALUE = 3; // after `:` or `,` in an array
const AFTER_VALUE = 4;

// which top-level key the value being read belongs to
const OTHER = 0;
const ID = 1;
const TEXT = 2;

/**
 * The id and text of a JSONL line in output shape whose text needs at most the tidying of spaces,
 * tabs and CRs, or `undefined` when the line must be decoded (it is then decoded as any line is;
 * `undefined` never means the line is bad). `line` must be valid UTF-8 with no surrounding
 * whitespace: the reader checks both first.
 */
export function readPlainLine(line: Buffer): PlainLine | undefined {
  // the pre-scan also guarantees what the grammar check relies on: no byte below 0x20 (so the only
  // whitespace is the space), and only valid escapes: \n \" \\ \/ \t \r (two bytes) and \u with
  // four hex digits (six bytes); a line flagged for work is read here if that work is whitespace
  const scan = scanLine(line);
  if (!scan.onlyWhitespace) return undefined;
  const shape = structure(line);
  if (shape === undefined) return undefined;
  const { idStart, idEnd, textStart, textEnd } = shape;
  // the counts of the text: the line's, less those of the few bytes around the text
  const outside = line.length - (textEnd - textStart);
  const counts = outside <= 512 ? less(scan.counts, stringCountsJs(line, 0, textStart), stringCountsJs(line, textEnd, line.length)) : stringCounts(line, textStart, textEnd);
  // each escape is one UTF-16 unit: two bytes, or six for \uXXXX
  const { two, six } = counts.adjacentBackslashes ? countEscapes(line, textStart, textEnd) : { two: counts.backslashes - counts.unicode, six: counts.unicode };
  const bytes = textEnd - textStart;
  return {
    idStart,
    idEnd,
    textStart,
    textEnd,
    chars: bytes - counts.cont + counts.four - two - 5 * six,
    // an allowed \u escape encodes U+00A0 or above
    ascii: counts.cont === 0 && six === 0,
    nfcByBlock: counts.high === counts.inert && six === 0,
    tidy: !scan.mayNeedWork,
  };
}

/** Counts of the whole less two parts (a backslash pair anywhere in the whole stays a "maybe"). */
function less(whole: StringCounts, a: StringCounts, b: StringCounts): StringCounts {
  return {
    cont: whole.cont - a.cont - b.cont,
    four: whole.four - a.four - b.four,
    backslashes: whole.backslashes - a.backslashes - b.backslashes,
    adjacentBackslashes: whole.adjacentBackslashes,
    high: whole.high - a.high - b.high,
    inert: whole.inert - a.inert - b.inert,
    unicode: whole.unicode - a.unicode - b.unicode,
  };
}

/** Where runs of whitespace that need tidying may start. */
const WORK = [Buffer.from("  "), Buffer.from(" \\n"), Buffer.from("\\t"), Buffer.from("\\r")];

/**
 * `normalize`'s newline and space steps on the bytes of an accepted line's text: `\r\n` and a lone
 * `\r` become `\n`; runs of spaces and tabs become one space; no space is left before a newline.
 * Returns the line with the new text, and its shape. The text between places that need work is
 * copied as it is; those places are found with `indexOf` (each pattern searched for once).
 */
export function tidyPlainLine(line: Buffer, shape: PlainLine): { line: Buffer; shape: PlainLine } {
  const { textStart: s, textEnd: e } = shape;
  // next occurrence of each pattern at or after the reading position (-1: not searched yet)
  const next = WORK.map(() => -1);
  const candidate = (from: number): number => {
    // the line still in the SIMD kernel's memory (as when normalize follows the reader): ask it
    let q = softWorkAt(line, from, e);
    if (q !== undefined) {
      // `\t` and `\r` where the backslash is the second half of `\\` are not escapes
      while (q < e && line[q] === BACKSLASH && oddBackslashesBefore(line, q)) q = softWorkAt(line, q + 1, e) as number;
      return q;
    }
    let best = e;
    for (let k = 0; k < WORK.length; k++) {
      let q = next[k] as number;
      if (q < from) {
        q = line.indexOf(WORK[k] as Buffer, from);
        // `\t` and `\r` found where the backslash is the second half of `\\` are not escapes
        while (k >= 2 && q !== -1 && q < e && oddBackslashesBefore(line, q)) q = line.indexOf(WORK[k] as Buffer, q + 1);
        q = q === -1 || q > e ? e : q;
        next[k] = q;
      }
      if (q < best) best = q;
    }
    return best;
  };
  let out: Buffer | undefined;
  let o = 0;
  let removed = 0; // characters
  let changed = false; // a tab or CR met, or a character removed
  let i = s; // everything before i is written
  for (;;) {
    const q = candidate(i);
    if (q >= e) break;
    // the run starts at the first of the spaces before q (spaces are never part of an escape)
    let r = q;
    while (r > i && line[r - 1] === SPACE) r--;
    if (out === undefined) {
      out = Buffer.allocUnsafe(line.length); // never longer
      line.copy(out, 0, 0, r);
      o = r;
    } else {
      line.copy(out, o, i, r);
      o += r - i;
    }
    // read whitespace (spaces, \t, \r, newlines) up to the next other character
    let run = 0; // spaces and tabs not written yet
    let p = r;
    for (;;) {
      const c = line[p] as number;
      if (p < e && c === SPACE) {
        run++;
        p++;
        continue;
      }
      if (p < e && c === BACKSLASH) {
        const x = line[p + 1] as number;
        if (x === 0x74) {
          run++;
          changed = true;
          p += 2;
          continue;
        }
        if (x === 0x72 && line[p + 2] === BACKSLASH && line[p + 3] === 0x6e) {
          // \r\n: the \r goes, the newline is read next
          removed++;
          changed = true;
          p += 2;
          continue;
        }
        if (x === 0x6e || x === 0x72) {
          // a newline (a lone \r is one): spaces before it go
          if (x === 0x72) changed = true;
          removed += run;
          run = 0;
          out[o++] = BACKSLASH;
          out[o++] = 0x6e;
          p += 2;
          continue;
        }
      }
      if (run > 0) {
        out[o++] = SPACE;
        removed += run - 1;
      }
      break;
    }
    i = p;
  }
  if (out === undefined || (!changed && removed === 0)) return { line, shape: { ...shape, tidy: true } };
  line.copy(out, o, i);
  o += line.length - i;
  const delta = o - line.length;
  const shift = (at: number): number => (at > e ? at + delta : at);
  return {
    line: out.subarray(0, o),
    shape: { ...shape, idStart: shift(shape.idStart), idEnd: shift(shape.idEnd), textEnd: e + delta, chars: shape.chars - removed, tidy: true },
  };
}

function oddBackslashesBefore(b: Uint8Array, q: number): boolean {
  let k = 0;
  while (b[q - 1 - k] === BACKSLASH) k++;
  return (k & 1) === 1;
}

/** Escape sequences in a string's contents, read in order: two-byte ones and `\uXXXX`. */
function countEscapes(b: Uint8Array, start: number, end: number): { two: number; six: number } {
  let two = 0;
  let six = 0;
  for (let i = start; i < end; i++) {
    if (b[i] !== BACKSLASH) continue;
    if (b[i + 1] === LETTER_U) {
      six++;
      i += 5;
    } else {
      two++;
      i++;
    }
  }
  return { two, six };
}

/** The closing quote of the string opening at `p`, or -1. */
function stringEnd(b: Buffer, p: number): number {
  let q = b.indexOf(QUOTE, p + 1);
  while (q !== -1) {
    let k = 0;
    while (b[q - 1 - k] === BACKSLASH) k++;
    if ((k & 1) === 0) return q;
    q = b.indexOf(QUOTE, q + 1);
  }
  return -1;
}

function skipSpaces(b: Uint8Array, p: number): number {
  while (b[p] === SPACE) p++;
  return p;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** The end of the JSON number at `p`, or -1 when it is not one (RFC 8259 §6). */
function numberEnd(b: Uint8Array, p: number): number {
  if (b[p] === 0x2d) p++;
  if (b[p] === 0x30) p++;
  else if (isDigit(b[p])) while (isDigit(b[p])) p++;
  else return -1;
  if (b[p] === 0x2e) {
    p++;
    if (!isDigit(b[p])) return -1;
    while (isDigit(b[p])) p++;
  }
  if (b[p] === 0x65 || b[p] === 0x45) {
    p++;
    if (b[p] === 0x2b || b[p] === 0x2d) p++;
    if (!isDigit(b[p])) return -1;
    while (isDigit(b[p])) p++;
  }
  return p;
}

function literalAt(b: Uint8Array, p: number, word: readonly number[]): boolean {
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) return false;
  return true;
}
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/**
 * Checks the grammar of a line that passed the pre-scan: one object, any JSON values inside, a
 * non-empty string `id` and a string `text` at the top level, each once. Returns their ranges.
 */
function structure(b: Buffer): { idStart: number; idEnd: number; textStart: number; textEnd: number } | undefined {
  const n = b.length;
  if (b[0] !== 0x7b) return undefined;
  let idStart = -1;
  let idEnd = -1;
  let textStart = -1;
  let textEnd = -1;
  let depth = 1;
  stack[0] = OBJECT;
  let state = KEY_OR_CLOSE;
  let key = OTHER;
  let p = 1;
  for (;;) {
    p = skipSpaces(b, p);
    const c = b[p];
    if (c === undefined) return undefined;
    if (state === KEY_OR_CLOSE || state === KEY) {
      if (c === 0x7d && state === KEY_OR_CLOSE) {
        depth--;
        p++;
        if (depth === 0) break;
        state = AFTER_VALUE;
        continue;
      }
      if (c !== QUOTE) return undefined;
      const e = stringEnd(b, p);
      if (e === -1) return undefined;
      key = OTHER;
      if (depth === 1) {
        // a key with an escape cannot decode to `id` or `text`, so raw bytes decide
        if (e - p === 3 && b[p + 1] === 0x69 && b[p + 2] === 0x64) key = ID;
        else if (e - p === 5 && b[p + 1] === 0x74 && b[p + 2] === 0x65 && b[p + 3] === 0x78 && b[p + 4] === 0x74) key = TEXT;
        // a repeated key: JSON.parse keeps the last one; leave that to it
        if ((key === ID && idStart !== -1) || (key === TEXT && textStart !== -1)) return undefined;
      }
      p = skipSpaces(b, e + 1);
      if (b[p] !== 0x3a) return undefined;
      p++;
      state = VALUE;
      continue;
    }
    if (state === AFTER_VALUE) {
      const top = stack[depth - 1];
      if (c === 0x2c) {
        p++;
        state = top === OBJECT ? KEY : VALUE;
        continue;
      }
      if ((c === 0x7d && top === OBJECT) || (c === 0x5d && top === ARRAY)) {
        depth--;
        p++;
        if (depth === 0) break;
        continue;
      }
      return undefined;
    }
    // VALUE or VALUE_OR_CLOSE
    if (c === 0x5d && state === VALUE_OR_CLOSE) {
      depth--;
      p++;
      state = AFTER_VALUE;
      continue;
    }
    const wanted = depth === 1 ? key : OTHER;
    if (c === QUOTE) {
      const e = stringEnd(b, p);
      if (e === -1) return undefined;
      if (wanted === ID) {
        if (e === p + 1) return undefined; // an empty id is an error the decoding path reports
        idStart = p + 1;
        idEnd = e;
      } else if (wanted === TEXT) {
        textStart = p + 1;
        textEnd = e;
      }
      p = e + 1;
      state = AFTER_VALUE;
      continue;
    }
    // anything but a string for id or text: a number id, a missing text… the decoding path decides
    if (wanted !== OTHER) return undefined;
    if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_DEPTH) return undefined;
      stack[depth++] = c === 0x7b ? OBJECT : ARRAY;
      p++;
      state = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
      continue;
    }
    if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : NULL;
      if (!literalAt(b, p, word)) return undefined;
      p += word.length;
      state = AFTER_VALUE;
      continue;
    }
    const e = numberEnd(b, p);
    if (e === -1) return undefined;
    p = e;
    state = AFTER_VALUE;
  }
  if (skipSpaces(b, p) !== n || idStart === -1 || textStart === -1) return undefined;
  return { idStart, idEnd, textStart, textEnd };
}

/** The id of an accepted line. */
export function plainLineId(line: Buffer, shape: PlainLine): string {
  const { idStart, idEnd } = shape;
  const slash = line.indexOf(BACKSLASH, idStart);
  if (slash === -1 || slash >= idEnd) return line.toString("utf8", idStart, idEnd);
  return JSON.parse(line.toString("utf8", idStart - 1, idEnd + 1)) as string;
}

const WHITESPACE = /^\s$/u;

/**
 * Whether the text of an accepted line has no leading or trailing whitespace (as `String.trim`
 * sees it: spaces, newlines, NBSP, U+2000–U+200A, U+3000 …).
 */
export function plainTextTrimmed(line: Buffer, shape: PlainLine): boolean {
  const { textStart: s, textEnd: e } = shape;
  if (s === e) return true;
  // first character: an escape (only \n is whitespace), ASCII, or a multi-byte code point
  const first = line[s] as number;
  if (first === SPACE || (first === BACKSLASH && isSpaceEscape(line[s + 1] as number))) return false;
  if (first === BACKSLASH && line[s + 1] === LETTER_U && WHITESPACE.test(String.fromCharCode(hex4(line, s + 2)))) return false;
  if (first >= 0x80 && WHITESPACE.test(line.toString("utf8", s, s + utf8Length(first)))) return false;
  // a \uXXXX at the end: its backslash starts an escape when an even run of backslashes stands before it
  if (e - s >= 6 && line[e - 6] === BACKSLASH && line[e - 5] === LETTER_U && !oddBackslashesBefore(line, e - 6)) {
    return !WHITESPACE.test(String.fromCharCode(hex4(line, e - 4)));
  }
  // last character: the end of an escape when an odd run of backslashes stands before it
  const last = line[e - 1] as number;
  if (last < 0x80) {
    if (last === SPACE) return false;
    let k = 0;
    while (e - 2 - k >= s && line[e - 2 - k] === BACKSLASH) k++;
    return !((k & 1) === 1 && isSpaceEscape(last));
  }
  let lead = e - 1;
  while (lead > s && ((line[lead] as number) & 0xc0) === 0x80) lead--;
  return !WHITESPACE.test(line.toString("utf8", lead, e));
}

/** `\n`, `\t`, `\r`: the escapes of whitespace that an accepted line may hold. */
function isSpaceEscape(x: number): boolean {
  return x === 0x6e || x === 0x74 || x === 0x72;
}

function utf8Length(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
}

// Code points from U+0300 on that NFC leaves alone in any context, one bit each, decided block by
// block (256 code points) on first sight with the same ICU that `String.normalize` uses.
const inertBlocks = new Map<number, Uint8Array>();
const MARK = /^\p{M}$/u;

function inertBlock(block: number): Uint8Array {
  let bits = inertBlocks.get(block);
  if (bits !== undefined) return bits;
  bits = new Uint8Array(32);
  for (let i = 0; i < 256; i++) {
    const cp = block * 256 + i;
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    // NFC changes a text only at a character that changes alone (NFC_QC=No), at a combining mark
    // (reordering, or composing with what stands before it), or at a Hangul jamo (composing into a
    // syllable): the characters with NFC_QC=Maybe and every non-zero combining class are marks or jamo
    const jamo = (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff);
    if (!jamo && !MARK.test(s) && s.normalize("NFC") === s) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
  }
  inertBlocks.set(block, bits);
  return bits;
}

/** Whether NFC leaves code point `cp` (from U+0300 on) alone in any context. */
function isInert(cp: number): boolean {
  const bit = cp & 0xff;
  return (((inertBlock(cp >> 8)[bit >> 3] as number) >> (bit & 7)) & 1) === 1;
}

/** Whether NFC leaves the text of an accepted line unchanged; decided without decoding it where it can be. */
export function plainTextIsNfc(line: Buffer, shape: PlainLine): boolean {
  if (shape.nfcByBlock) return true;
  const { textStart: s, textEnd: e } = shape;
  for (let i = s; i < e; i++) {
    const b = line[i] as number;
    if (b === BACKSLASH) {
      if (line[i + 1] !== LETTER_U) {
        i++;
        continue;
      }
      const cp = hex4(line, i + 2);
      i += 5;
      // (a surrogate, half of a pair or alone, is never inert: it is left to the decoded text)
      if (cp >= 0x300 && !isInert(cp)) return false;
      continue;
    }
    if (b < 0xcc) continue;
    let cp: number;
    if (b < 0xe0) cp = ((b & 0x1f) << 6) | ((line[i + 1] as number) & 0x3f);
    else if (b < 0xf0) cp = ((b & 0x0f) << 12) | (((line[i + 1] as number) & 0x3f) << 6) | ((line[i + 2] as number) & 0x3f);
    else cp = ((b & 0x07) << 18) | (((line[i + 1] as number) & 0x3f) << 12) | (((line[i + 2] as number) & 0x3f) << 6) | ((line[i + 3] as number) & 0x3f);
    if (!isInert(cp)) return false;
  }
  return true;
}
