/**
 * The n-gram index of test items: 64-bit keys in sorted typed arrays, with a bucket directory on the
 * top bits of the key for O(1) lookups, and posting lists (which items hold each key). No per-key
 * JS objects or strings: 1 M keys take about 17 MB. Pure: serialization is to and from bytes.
 */
import { type Key, type Tokens, windowKey } from "./tokens.js";

/** How texts are cut into n-grams. Both sides of a comparison must use the same parameters. */
export interface NgramParams {
  /** Window in tokens when the window starts with a word token. */
  readonly ngram: number;
  /** Window in tokens when the window starts with a character of an unspaced script (Chinese, Japanese, Thai…). */
  readonly charNgram: number;
  /** Segments shorter than `ngram` (word start) are indexed whole when they have at least this many tokens. */
  readonly minWords: number;
  /** The same for segments that start with an unspaced-script character. */
  readonly minChars: number;
}

/** A growable Uint32Array. */
class U32Vec {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  /** A right-sized copy. */
  take(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** Sentinel item of keys that must stay suppressed when indexes are merged. */
const SUPPRESSED = 0xffffffff;

/** Collects (key, item) rows of test items; {@link IndexBuilder.build} sorts and groups them. */
export class IndexBuilder {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  private item = new Uint32Array(1 << 16);
  private rows = 0;
  /** Whole-segment rows: index into the rows above, token length, and the key of the first tokens. */
  private short: number[] = [];
  private readonly key: Key = { hi: 0, lo: 0 };

  constructor(readonly params: NgramParams) {}

  get rowCount(): number {
    return this.rows;
  }

  private add(hi: number, lo: number, item: number): number {
    if (this.rows === this.hi.length) {
      const grow = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.hi = grow(this.hi);
      this.lo = grow(this.lo);
      this.item = grow(this.item);
    }
    this.hi[this.rows] = hi;
    this.lo[this.rows] = lo;
    this.item[this.rows] = item;
    return this.rows++;
  }

  /**
   * Adds the n-grams of one segment of item `item` (tokens already computed by `tokenize`).
   * Returns "ngrams", "whole" (shorter than the window, indexed whole) or "short" (below the
   * minimum; nothing indexed).
   */
  addSegment(t: Tokens, item: number): "ngrams" | "whole" | "short" | "empty" {
    const n = t.count;
    if (n === 0) return "empty";
    const p = this.params;
    const first = t.isChar[0] === 1;
    const window = first ? p.charNgram : p.ngram;
    const key = this.key;
    if (n < window) {
      const min = first ? p.minChars : p.minWords;
      if (n < min) return "short";
      windowKey(t, 0, n, key);
      const row = this.add(key.hi, key.lo, item);
      windowKey(t, 0, min, key);
      this.short.push(row, n, key.hi, key.lo);
      return "whole";
    }
    for (let i = 0; i < n; i++) {
      const len = t.isChar[i] === 1 ? p.charNgram : p.ngram;
      if (i + len > n) continue;
      windowKey(t, i, len, key);
      this.add(key.hi, key.lo, item);
    }
    return "ngrams";
  }

  /** Adds every row of a built index, with item numbers shifted by `itemOffset` (to merge indexes). */
  addIndex(index: NgramIndex, itemOffset: number): void {
    const shortOf = new Map<number, number>();
    for (let r = 0; r < index.prefEntry.length; r++) shortOf.set(index.prefEntry[r]!, r);
    for (let e = 0; e < index.size; e++) {
      const hi = index.hi[e]!;
      const lo = index.lo[e]!;
      const pr = shortOf.get(e);
      for (let k = index.postStart[e]!; k < index.postStart[e + 1]!; k++) {
        const row = this.add(hi, lo, index.postItems[k]! + itemOffset);
        if (pr !== undefined) this.short.push(row, index.len[e]!, index.prefHi[pr]!, index.prefLo[pr]!);
      }
    }
    for (let s = 0; s < index.suppressedHi.length; s++) this.add(index.suppressedHi[s]!, index.suppressedLo[s]!, SUPPRESSED);
  }

  /**
   * Sorts and groups the rows: one entry per distinct key with its distinct items, except keys
   * held by more than `maxItems` items (templates shared by many items, not evidence of one
   * item), which are left out and listed as suppressed.
   */
  build(maxItems: number): NgramIndex {
    const rows = this.rows;
    // whole-segment rows: row → its place in `short` (4 numbers each), -1 for n-gram rows
    const shortAt = new Int32Array(rows).fill(-1);
    for (let s = 0; s < this.short.length; s += 4) shortAt[this.short[s]!] = s;
    const rowIds = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) rowIds[i] = i;
    const [rowHi, rowLo, rowItem, rowId] = sortRows(this.hi.subarray(0, rows), this.lo.subarray(0, rows), this.item.subarray(0, rows), rowIds);
    const hi = new U32Vec();
    const lo = new U32Vec();
    const len = new U32Vec();
    const postStart = new U32Vec();
    postStart.push(0);
    const postItems = new U32Vec();
    const supHi = new U32Vec();
    const supLo = new U32Vec();
    const supItems = new U32Vec();
    const pref: [number, number, number][] = [];
    let r = 0;
    while (r < rows) {
      const h = rowHi[r]!;
      const l = rowLo[r]!;
      const from = postItems.length;
      let suppressed = false;
      let sorted = true;
      let short = -1;
      let prev = -1;
      let k = r;
      for (; k < rows; k++) {
        if (k > r && (rowHi[k] !== h || rowLo[k] !== l)) break;
        const it = rowItem[k]!;
        const at = shortAt[rowId[k]!]!;
        if (at !== -1) short = at;
        if (it === SUPPRESSED) suppressed = true;
        else if (it !== prev) {
          if (it < prev) sorted = false;
          postItems.push(it);
          prev = it;
        }
      }
      r = k;
      let count = postItems.length - from;
      if (!sorted) {
        // rows of a merged index may come in any item order: sort and dedupe this group
        const group = Array.from(postItems.data.subarray(from, postItems.length));
        dedupeSorted(group);
        postItems.length = from;
        for (const it of group) postItems.push(it);
        count = group.length;
      }
      if (suppressed || count > maxItems) {
        postItems.length = from;
        supHi.push(h);
        supLo.push(l);
        supItems.push(suppressed ? 0 : count);
        continue;
      }
      const e = hi.length;
      hi.push(h);
      lo.push(l);
      len.push(short === -1 ? 0 : this.short[short + 1]!);
      postStart.push(postItems.length);
      if (short !== -1) pref.push([this.short[short + 2]!, this.short[short + 3]!, e]);
    }
    pref.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return makeIndex(this.params, {
      hi: hi.take(),
      lo: lo.take(),
      len: Uint8Array.from(len.take()),
      postStart: postStart.take(),
      postItems: postItems.take(),
      prefHi: Uint32Array.from(pref, (p) => p[0]),
      prefLo: Uint32Array.from(pref, (p) => p[1]),
      prefEntry: Uint32Array.from(pref, (p) => p[2]),
      suppressedHi: supHi.take(),
      suppressedLo: supLo.take(),
      suppressedItems: supItems.take(),
    });
  }
}

/** Sorts a small list of numbers and removes repeats, in place. */
function dedupeSorted(items: number[]): void {
  items.sort((a, b) => a - b);
  let w = 1;
  for (let k = 1; k < items.length; k++) if (items[k] !== items[w - 1]) items[w++] = items[k]!;
  items.length = w;
}

/** The arrays of an index, as stored. */
export interface IndexArrays {
  /** Sorted keys (by hi, then lo): one entry each. */
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** Token length of entries that are whole short segments; 0 for n-grams. */
  readonly len: Uint8Array;
  /** Items of entry e: postItems[postStart[e] … postStart[e+1]). */
  readonly postStart: Uint32Array;
  readonly postItems: Uint32Array;
  /** Whole-segment entries by the key of their first `minWords`/`minChars` tokens (sorted). */
  readonly prefHi: Uint32Array;
  readonly prefLo: Uint32Array;
  readonly prefEntry: Uint32Array;
  /** Keys left out because too many items hold them (sorted), with that number of items. */
  readonly suppressedHi: Uint32Array;
  readonly suppressedLo: Uint32Array;
  readonly suppressedItems: Uint32Array;
}

/** A loaded index, ready for lookups. */
export interface NgramIndex extends IndexArrays {
  readonly params: NgramParams;
  readonly size: number;
  /** Entry number of a key, or -1. */
  find(hi: number, lo: number): number;
  /** First and end row in the prefix table of whole-segment entries starting with this key. */
  findPrefix(hi: number, lo: number, out: { from: number; to: number }): void;
  /** Whether a key was left out for being held by too many items. */
  isSuppressed(hi: number, lo: number): boolean;
}

/** A bucket directory over the top bits of sorted `hi`: `dir[b] … dir[b+1]` holds keys of bucket b. */
function directory(hi: Uint32Array): { dir: Uint32Array; shift: number } {
  const bits = Math.min(24, Math.max(4, Math.ceil(Math.log2(Math.max(1, hi.length)))));
  const shift = 32 - bits;
  const buckets = 1 << bits;
  const dir = new Uint32Array(buckets + 1);
  let k = 0;
  for (let b = 0; b < buckets; b++) {
    dir[b] = k;
    while (k < hi.length && hi[k]! >>> shift === b) k++;
  }
  dir[buckets] = hi.length;
  return { dir, shift };
}

/** Wraps stored arrays into a searchable index. */
export function makeIndex(params: NgramParams, a: IndexArrays): NgramIndex {
  const main = directory(a.hi);
  const prefix = directory(a.prefHi);
  const suppressed = directory(a.suppressedHi);
  const { hi, lo, prefHi, prefLo, suppressedHi, suppressedLo } = a;
  return {
    ...a,
    params,
    size: hi.length,
    find(h: number, l: number): number {
      const b = h >>> main.shift;
      const end = main.dir[b + 1]!;
      for (let k = main.dir[b]!; k < end; k++) {
        const x = hi[k]!;
        if (x === h) {
          if (lo[k] === l) return k;
        } else if (x > h) return -1;
      }
      return -1;
    },
    findPrefix(h: number, l: number, out: { from: number; to: number }): void {
      const b = h >>> prefix.shift;
      const end = prefix.dir[b + 1]!;
      let k = prefix.dir[b]!;
      while (k < end && (prefHi[k]! < h || (prefHi[k] === h && prefLo[k]! < l))) k++;
      out.from = k;
      while (k < end && prefHi[k] === h && prefLo[k] === l) k++;
      out.to = k;
    },
    isSuppressed(h: number, l: number): boolean {
      const b = h >>> suppressed.shift;
      const end = suppressed.dir[b + 1]!;
      for (let k = suppressed.dir[b]!; k < end; k++) if (suppressedHi[k] === h && suppressedLo[k] === l) return true;
      return false;
    },
  };
}

/**
 * Stable LSD radix sort of rows by their 64-bit key (hi, lo), moving the key and two payload
 * arrays: six passes of 11 bits (2,048 buckets), each reading sequentially. Returns new arrays
 * (the inputs are used as scratch space).
 */
export function sortRows(hi: Uint32Array, lo: Uint32Array, a: Uint32Array, b: Uint32Array): [Uint32Array, Uint32Array, Uint32Array, Uint32Array] {
  const n = hi.length;
  let src = [hi, lo, a, b] as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let dst = [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)] as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  const counts = new Uint32Array(2049);
  for (const [word, shift, bits] of [
    [1, 0, 11],
    [1, 11, 11],
    [1, 22, 10],
    [0, 0, 11],
    [0, 11, 11],
    [0, 22, 10],
  ] as const) {
    const mask = (1 << bits) - 1;
    const key = src[word];
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((key[i]! >>> shift) & mask) + 1]!++;
    for (let d = 0; d < mask + 1; d++) counts[d + 1]! += counts[d]!;
    const [sh, sl, sa, sb] = src;
    const [dh, dl, da, db] = dst;
    for (let i = 0; i < n; i++) {
      const j = counts[(key[i]! >>> shift) & mask]!++;
      dh[j] = sh[i]!;
      dl[j] = sl[i]!;
      da[j] = sa[i]!;
      db[j] = sb[i]!;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** The stable order of rows sorted by their 64-bit key (hi, lo). */
export function sortKeys(hi: Uint32Array, lo: Uint32Array): Uint32Array {
  const rows = new Uint32Array(hi.length);
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return sortRows(hi.slice(), lo.slice(), rows, new Uint32Array(hi.length))[2];
}

const MAGIC = 0x58444652; // "RFDX" little-endian
const VERSION = 1;
const FIELDS = ["hi", "lo", "postStart", "postItems", "prefHi", "prefLo", "prefEntry", "suppressedHi", "suppressedLo", "suppressedItems"] as const;

/**
 * Serializes an index: a header of 32-bit words (magic, version, the four parameters, the length
 * of each array), then the arrays, each padded to 4 bytes. Little-endian, as every supported
 * platform is.
 */
export function encodeIndex(index: NgramIndex): Uint8Array[] {
  const p = index.params;
  const header = new Uint32Array([MAGIC, VERSION, p.ngram, p.charNgram, p.minWords, p.minChars, index.len.length, ...FIELDS.map((f) => index[f].length)]);
  const parts: Uint8Array[] = [new Uint8Array(header.buffer)];
  for (const f of FIELDS) parts.push(new Uint8Array(index[f].buffer, index[f].byteOffset, index[f].byteLength));
  const lenBytes = new Uint8Array(Math.ceil(index.len.length / 4) * 4);
  lenBytes.set(index.len);
  parts.push(lenBytes);
  return parts;
}

/** Reads an index written by {@link encodeIndex}; throws on a foreign or damaged file. */
export function decodeIndex(bytes: Uint8Array): NgramIndex {
  if (bytes.byteLength < 4 * (7 + FIELDS.length)) throw new Error("index file too short");
  // copy into an aligned buffer we own
  const buf = new Uint8Array(bytes.byteLength);
  buf.set(bytes);
  const words = new Uint32Array(buf.buffer, 0, 7 + FIELDS.length);
  if (words[0] !== MAGIC) throw new Error("not a Refinery n-gram index (bad magic number)");
  if (words[1] !== VERSION) throw new Error(`unsupported n-gram index version ${words[1]} (expected ${VERSION})`);
  const params: NgramParams = { ngram: words[2]!, charNgram: words[3]!, minWords: words[4]!, minChars: words[5]! };
  const lenCount = words[6]!;
  let offset = 4 * (7 + FIELDS.length);
  const arrays: Record<string, Uint32Array> = {};
  FIELDS.forEach((f, i) => {
    const n = words[7 + i]!;
    if (offset + 4 * n > buf.byteLength) throw new Error(`index file truncated in \`${f}\``);
    arrays[f] = new Uint32Array(buf.buffer, offset, n);
    offset += 4 * n;
  });
  if (offset + lenCount > buf.byteLength) throw new Error("index file truncated in `len`");
  const len = new Uint8Array(buf.buffer, offset, lenCount);
  return makeIndex(params, { ...(arrays as unknown as Omit<IndexArrays, "len">), len });
}
