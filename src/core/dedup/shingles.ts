/**
 * Shingles for near-duplicate detection: n-grams of tokens, hashed to 32 or 64 bits, as a sorted set.
 *
 * Tokens are runs of letters, marks and digits (Unicode L, M, N), lowercased, after Unicode
 * normalization; everything else separates them. Characters of scripts written without spaces
 * (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar by default) are one token each, so a Chinese
 * page gets character n-grams instead of one giant "word" (or, with an ASCII-only word pattern, no
 * shingles at all, which makes every Chinese page a duplicate of every other). Script detection is
 * per character (Unicode Script_Extensions), so mixed-script pages work without a language tag.
 *
 * The scan works on UTF-16 code units through lookup tables and hashes tokens as it reads them:
 * no substrings, no regex per token.
 */
import { fmix32 } from "./hash.js";

/** How text becomes shingles. */
export interface ShingleOptions {
  /** Tokens per shingle (FineWeb: 5 words). */
  readonly ngram: number;
  /** Width of shingle hashes (and of MinHash values). */
  readonly hashBits: 32 | 64;
  /** Unicode normalization before tokenizing. */
  readonly unicode: "NFC" | "NFKC" | null;
  /** Every decimal digit counts as `0`. */
  readonly digits: boolean;
  /** Ignore combining diacritical marks U+0300–U+036F (é = e). */
  readonly accents: boolean;
  /** Unicode scripts whose characters are tokens on their own. */
  readonly unspacedScripts: readonly string[];
}

/** Scripts written without spaces between words, tokenized per character by default. */
export const UNSPACED_SCRIPTS = ["Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar"] as const;

const SEP = 0;
const WORD = 1;
const UNSPACED = 2;
const HIGH = 3;
const IGNORE = 4;

interface Tables {
  readonly cls: Uint8Array;
  readonly fold: Uint16Array;
  readonly astral: Map<number, number>;
  readonly unspaced: RegExp;
}

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const DIGIT = /^\p{Nd}$/u;
const tableCache = new Map<string, Tables>();

function scriptPattern(scripts: readonly string[]): RegExp {
  if (scripts.length === 0) return /(?!)/u;
  return new RegExp(`^[${scripts.map((s) => `\\p{scx=${s}}`).join("")}]$`, "u");
}

/** Builds (once per thread and option set) the class and case-folding tables of the BMP. */
function tables(options: ShingleOptions): Tables {
  const key = `${options.digits}|${options.accents}|${options.unspacedScripts.join(",")}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  const unspaced = scriptPattern(options.unspacedScripts);
  const cls = new Uint8Array(0x10000);
  const fold = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    fold[c] = c;
    if (c >= 0xd800 && c <= 0xdbff) {
      cls[c] = HIGH;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) continue;
    const ch = String.fromCharCode(c);
    if (options.accents && c >= 0x300 && c <= 0x36f) {
      cls[c] = IGNORE;
      continue;
    }
    if (!WORD_CHAR.test(ch)) continue;
    cls[c] = unspaced.test(ch) ? UNSPACED : WORD;
    if (options.digits && DIGIT.test(ch)) {
      fold[c] = 0x30;
      continue;
    }
    const lower = ch.toLowerCase();
    fold[c] = lower.charCodeAt(0);
  }
  const built = { cls, fold, astral: new Map<number, number>(), unspaced };
  tableCache.set(key, built);
  return built;
}

function astralClass(t: Tables, cp: number, options: ShingleOptions): number {
  let c = t.astral.get(cp);
  if (c === undefined) {
    const ch = String.fromCodePoint(cp);
    c = !WORD_CHAR.test(ch) ? SEP : t.unspaced.test(ch) ? UNSPACED : options.digits && DIGIT.test(ch) ? WORD + 8 : WORD;
    if (t.astral.size < 65536) t.astral.set(cp, c);
  }
  return c;
}

const NON_ASCII = /[^\x00-\x7f]/;
const PA = 0x01000193;
const PB = 0x2c1b3c6d | 1;

/**
 * Turns texts into sorted sets of shingle hashes. Reuses its buffers: the arrays it fills are
 * valid until the next call.
 */
export class Shingler {
  /** Shingle hashes (the low 32 bits in 64-bit mode), sorted; `count` of them are valid. */
  lo = new Uint32Array(1024);
  /** High 32 bits of each shingle hash (64-bit mode only), sorted together with `lo` by (hi, lo). */
  hi = new Uint32Array(1024);
  /** Valid entries in `lo`/`hi` after the last call. */
  count = 0;
  /** Tokens in the last text. */
  tokens = 0;
  readonly #t: Tables;
  readonly #n: number;
  readonly #wide: boolean;
  readonly #ringA: Uint32Array;
  readonly #ringB: Uint32Array;
  #scratchA = new Uint32Array(1024);
  #scratchB = new Uint32Array(1024);
  #perm = new Uint32Array(1024);
  #perm2 = new Uint32Array(1024);

  constructor(readonly options: ShingleOptions) {
    this.#t = tables(options);
    this.#n = options.ngram;
    this.#wide = options.hashBits === 64;
    this.#ringA = new Uint32Array(options.ngram);
    this.#ringB = new Uint32Array(options.ngram);
    // P^(n-1): the weight of the oldest token, removed when it leaves the window
    let pa = 1;
    let pb = 1;
    for (let i = 0; i < options.ngram - 1; i++) {
      pa = Math.imul(pa, PA);
      pb = Math.imul(pb, PB);
    }
    this.#powA = pa;
    this.#powB = pb;
  }
  readonly #powA: number;
  readonly #powB: number;

  /**
   * Fills `lo` (and `hi`) with the shingle hashes of `text` and returns their number: sorted and
   * distinct, unless `distinct` is false (MinHash does not need it; sorting costs a quarter of the time).
   */
  shingle(text: string, distinct = true): number {
    const o = this.options;
    let s = text;
    if (NON_ASCII.test(s)) {
      if (o.accents) s = s.normalize(o.unicode === "NFKC" ? "NFKD" : "NFD");
      else if (o.unicode !== null) s = s.normalize(o.unicode);
    }
    const { cls, fold } = this.#t;
    const wide = this.#wide;
    const ngram = this.#n;
    const ringA = this.#ringA;
    const ringB = this.#ringB;
    const powA = this.#powA;
    const powB = this.#powB;
    let lo = this.lo;
    let hi = this.hi;
    let count = 0;
    let tokens = 0;
    let polyA = 0;
    let polyB = 0;
    const n = s.length;
    let inWord = false;
    let ha = 0;
    let hb = 0;
    let len = 0;
    let unit = 0;
    for (let i = 0; i <= n; i++) {
      let ended = false;
      let single = false;
      if (i < n) {
        const u = s.charCodeAt(i);
        let c = cls[u] as number;
        if (c === WORD) {
          const f = fold[u] as number;
          if (!inWord) {
            inWord = true;
            ha = 0x811c9dc5;
            hb = 0x2f693bd1;
            len = 0;
          }
          ha = Math.imul(ha ^ f, 0x01000193);
          if (wide) hb = Math.imul(((hb << 5) | (hb >>> 27)) ^ f, 0x27d4eb2d);
          len++;
          continue;
        }
        if (c === IGNORE) continue;
        let cp = u;
        let astral = false;
        if (c === HIGH) {
          const low = i + 1 < n ? s.charCodeAt(i + 1) : 0;
          if (low >= 0xdc00 && low <= 0xdfff) {
            cp = ((u - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
            c = astralClass(this.#t, cp, o);
            astral = true;
            i++;
          } else c = SEP;
        }
        if (c === WORD || c === WORD + 8) {
          // a letter or digit outside the BMP: part of a word (lowercased through a string; rare)
          if (!inWord) {
            inWord = true;
            ha = 0x811c9dc5;
            hb = 0x2f693bd1;
            len = 0;
          }
          const units = c === WORD + 8 ? "0" : String.fromCodePoint(cp).toLowerCase();
          for (let k = 0; k < units.length; k++) {
            const f = units.charCodeAt(k);
            ha = Math.imul(ha ^ f, 0x01000193);
            hb = Math.imul(((hb << 5) | (hb >>> 27)) ^ f, 0x27d4eb2d);
          }
          len += units.length;
          continue;
        }
        ended = inWord;
        if (c === UNSPACED) {
          single = true;
          unit = astral ? cp : (fold[u] as number);
        }
      } else ended = inWord;
      // up to two tokens end here: the word before this character, and this character itself
      for (let t = 0; t < 2; t++) {
        let ta: number;
        let tb = 0;
        if (t === 0) {
          if (!ended) continue;
          ta = fmix32(ha ^ len);
          if (wide) tb = fmix32((hb + Math.imul(len, 0x9e3779b9)) | 0);
          inWord = false;
        } else {
          if (!single) continue;
          ta = fmix32(Math.imul(unit ^ 0x5bd1e995, 0x01000193) ^ 1);
          if (wide) tb = fmix32((Math.imul(unit, 0x27d4eb2d) + 0x165667b1) | 0);
        }
        const slot = tokens % ngram;
        const oldA = ringA[slot] as number;
        ringA[slot] = ta;
        polyA = tokens >= ngram ? (Math.imul((polyA - Math.imul(oldA, powA)) | 0, PA) + ta) | 0 : (Math.imul(polyA, PA) + ta) | 0;
        if (wide) {
          const oldB = ringB[slot] as number;
          ringB[slot] = tb;
          polyB = tokens >= ngram ? (Math.imul((polyB - Math.imul(oldB, powB)) | 0, PB) + tb) | 0 : (Math.imul(polyB, PB) + tb) | 0;
        }
        tokens++;
        if (tokens >= ngram) {
          if (count === lo.length) {
            this.count = count;
            this.#grow();
            lo = this.lo;
            hi = this.hi;
          }
          lo[count] = fmix32(polyA ^ ngram);
          if (wide) hi[count] = fmix32((polyB + Math.imul(ngram, 0x9e3779b9)) | 0);
          count++;
        }
      }
    }
    if (tokens > 0 && tokens < ngram) {
      lo[0] = fmix32(polyA ^ tokens);
      if (wide) hi[0] = fmix32((polyB + Math.imul(tokens, 0x9e3779b9)) | 0);
      count = 1;
    }
    this.count = count;
    this.tokens = tokens;
    if (distinct) this.#sortUnique();
    return this.count;
  }

  // Shingle hash: a polynomial over the last n token hashes, P^(n-1)·t_1 + … + t_n mod 2^32 (one per
  // lane), updated in O(1) per token, then MurmurHash3's finalizer. Token hashes are already mixed,
  // so two different n-grams collide with probability ~2^-32 per lane.

  #grow(): void {
    const size = this.lo.length * 2;
    const lo = new Uint32Array(size);
    lo.set(this.lo);
    this.lo = lo;
    if (this.#wide) {
      const hi = new Uint32Array(size);
      hi.set(this.hi);
      this.hi = hi;
    }
  }

  #sortUnique(): void {
    const count = this.count;
    if (count < 2) return;
    if (!this.#wide) {
      const view = this.lo.subarray(0, count).sort();
      let w = 1;
      for (let r = 1; r < count; r++) if (view[r] !== view[w - 1]) view[w++] = view[r] as number;
      this.count = w;
      return;
    }
    // 64-bit: stable LSD radix sort of (hi, lo) pairs by 8-bit digits, through an index permutation
    if (this.#perm.length < count) {
      this.#perm = new Uint32Array(this.lo.length);
      this.#perm2 = new Uint32Array(this.lo.length);
      this.#scratchA = new Uint32Array(this.lo.length);
      this.#scratchB = new Uint32Array(this.lo.length);
    }
    let perm = this.#perm;
    let next = this.#perm2;
    for (let i = 0; i < count; i++) perm[i] = i;
    const counts = new Uint32Array(256);
    for (let pass = 0; pass < 8; pass++) {
      const words = pass < 4 ? this.lo : this.hi;
      const shift = (pass & 3) * 8;
      counts.fill(0);
      for (let i = 0; i < count; i++) (counts[((words[perm[i] as number] as number) >>> shift) & 255] as number)++;
      let sum = 0;
      for (let d = 0; d < 256; d++) {
        const c = counts[d] as number;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < count; i++) {
        const p = perm[i] as number;
        const d = ((words[p] as number) >>> shift) & 255;
        next[counts[d] as number] = p;
        (counts[d] as number)++;
      }
      [perm, next] = [next, perm];
    }
    const sa = this.#scratchA;
    const sb = this.#scratchB;
    let w = 0;
    for (let i = 0; i < count; i++) {
      const p = perm[i] as number;
      const h = this.hi[p] as number;
      const l = this.lo[p] as number;
      if (w > 0 && sb[w - 1] === h && sa[w - 1] === l) continue;
      sa[w] = l;
      sb[w] = h;
      w++;
    }
    this.lo.set(sa.subarray(0, w));
    this.hi.set(sb.subarray(0, w));
    this.count = w;
  }
}

/** Exact Jaccard similarity of two sorted, distinct 32-bit hash sets. */
export function jaccard32(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number): number {
  if (na === 0 && nb === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < na && j < nb) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      inter++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return inter / (na + nb - inter);
}

/** Exact Jaccard similarity of two sorted, distinct 64-bit hash sets stored as interleaved (hi, lo) words. */
export function jaccard64(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number): number {
  if (na === 0 && nb === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < na && j < nb) {
    const ah = a[2 * i] as number;
    const bh = b[2 * j] as number;
    const al = a[2 * i + 1] as number;
    const bl = b[2 * j + 1] as number;
    if (ah === bh && al === bl) {
      inter++;
      i++;
      j++;
    } else if (ah < bh || (ah === bh && al < bl)) i++;
    else j++;
  }
  return inter / (na + nb - inter);
}
