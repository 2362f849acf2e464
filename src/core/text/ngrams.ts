/**
 * Word n-gram statistics over interned word ids, without building n-gram strings: each n-gram is
 * hashed from its ids (a non-linear mix, extended one word at a time from the (n−1)-gram's hash)
 * and looked up in an open-addressing table that compares the ids on a hash match, so results are
 * exact and the cost is linear in the number of words.
 *
 * N-grams are compared as word sequences. (datatrove's duplicated-n-gram rule joins the words
 * without a separator, so `ab c` and `a bc` would count as equal there; that differs only on
 * contrived text.)
 */

/** Maps words to dense ids in order of first appearance. */
export function internWords(words: readonly string[]): Int32Array {
  const ids = new Int32Array(words.length);
  const seen = new Map<string, number>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    let id = seen.get(w);
    if (id === undefined) {
      id = seen.size;
      seen.set(w, id);
    }
    ids[i] = id;
  }
  return ids;
}

/**
 * Maps the words `text[starts[i], ends[i])` to dense ids in order of first appearance, without
 * making strings: spans are hashed and compared in place.
 */
export function internSpans(text: string, starts: Int32Array, ends: Int32Array): Int32Array {
  const n = starts.length;
  const ids = new Int32Array(n);
  let size = 16;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size); // first position of the word + 1; 0 = empty
  const slotHash = new Int32Array(size);
  const firstOf: number[] = []; // id → position of its first occurrence
  for (let i = 0; i < n; i++) {
    const s = starts[i] as number;
    const e = ends[i] as number;
    let h = 0x811c9dc5 ^ (e - s);
    for (let j = s; j < e; j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
    h = finalize(h);
    let slot = h & mask;
    for (;;) {
      const stored = slots[slot] as number;
      if (stored === 0) {
        slots[slot] = i + 1;
        slotHash[slot] = h;
        ids[i] = firstOf.length;
        firstOf.push(i);
        break;
      }
      if (slotHash[slot] === h) {
        const p = stored - 1;
        const ps = starts[p] as number;
        if ((ends[p] as number) - ps === e - s) {
          let same = true;
          for (let k = 0; k < e - s; k++) {
            if (text.charCodeAt(ps + k) !== text.charCodeAt(s + k)) {
              same = false;
              break;
            }
          }
          if (same) {
            ids[i] = ids[p] as number;
            break;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
  }
  return ids;
}

function mix(h: number, id: number): number {
  let k = Math.imul(id + 0x9e3779b9, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * N-gram hashes of a word sequence, one n at a time: the hashes for n are computed in place from
 * those for n − 1, so asking for increasing n (as the Gopher rules do) costs one pass per n and one
 * buffer in all. Asking for a smaller n than the last starts again from n = 1.
 */
export class NgramHashes {
  readonly #ids: Int32Array;
  readonly #raw: Int32Array;
  #level = 0;

  constructor(ids: Int32Array) {
    this.#ids = ids;
    this.#raw = new Int32Array(ids.length);
  }

  get length(): number {
    return this.#ids.length;
  }

  /** The word ids. */
  get ids(): Int32Array {
    return this.#ids;
  }

  /**
   * Unfinalized hash of the n-gram starting at each position; valid for indexes below
   * `words − n + 1` until hashes for another n are asked for. Compare them through {@link hashAt}.
   */
  raw(n: number): Int32Array {
    if (n < this.#level) this.#level = 0;
    const ids = this.#ids;
    const raw = this.#raw;
    for (let level = this.#level + 1; level <= n; level++) {
      const count = ids.length - level + 1;
      if (level === 1) for (let i = 0; i < count; i++) raw[i] = mix(0, ids[i] as number);
      else for (let i = 0; i < count; i++) raw[i] = mix(raw[i] as number, ids[i + level - 1] as number);
    }
    this.#level = Math.max(this.#level, n);
    return raw;
  }

  /** Whether the n-grams starting at `a` and `b` are the same words. */
  equal(a: number, b: number, n: number): boolean {
    const ids = this.#ids;
    for (let k = 0; k < n; k++) if (ids[a + k] !== ids[b + k]) return false;
    return true;
  }
}

/** The final hash of an n-gram from its raw hash. */
function hashAt(raw: Int32Array, pos: number, n: number): number {
  return finalize((raw[pos] as number) ^ n);
}

// one scratch hash table and count array, reused by every call: no allocation per document
let scratch = new Int32Array(1 << 12);
let countScratch = new Int32Array(1 << 11);

/**
 * Open-addressing set of n-gram positions (position + 1; 0 = empty) keyed by n-gram identity:
 * returns the slot holding the n-gram at `pos`, or −slot − 1 for the empty slot where it would go.
 */
function findSlot(slots: Int32Array, mask: number, grams: NgramHashes, raw: Int32Array, n: number, pos: number): number {
  const h = hashAt(raw, pos, n);
  let slot = h & mask;
  for (;;) {
    const stored = slots[slot] as number;
    if (stored === 0) return -slot - 1;
    const other = stored - 1;
    if (raw[other] === raw[pos] && grams.equal(other, pos, n)) return slot;
    slot = (slot + 1) & mask;
  }
}

function tableFor(positions: number): { slots: Int32Array; mask: number } {
  let size = 16;
  while (size < positions * 2) size *= 2;
  if (scratch.length < size) scratch = new Int32Array(size);
  else scratch.fill(0, 0, size);
  return { slots: scratch, mask: size - 1 };
}

/**
 * Gopher's "top n-gram": the most frequent n-gram (ties: the one that appears first), with the
 * number of times it occurs (overlapping occurrences included). `undefined` when there are fewer than n words.
 */
export function topNgram(grams: NgramHashes, n: number): { readonly start: number; readonly count: number } | undefined {
  const positions = grams.length - n + 1;
  if (positions <= 0) return undefined;
  const raw = grams.raw(n);
  const { slots, mask } = tableFor(positions);
  if (countScratch.length < positions) countScratch = new Int32Array(positions * 2);
  const counts = countScratch; // by position of first occurrence
  counts.fill(0, 0, positions);
  for (let i = 0; i < positions; i++) {
    const slot = findSlot(slots, mask, grams, raw, n, i);
    if (slot < 0) {
      slots[-slot - 1] = i + 1;
      counts[i] = 1;
    } else {
      const first = (slots[slot] as number) - 1;
      counts[first] = (counts[first] as number) + 1;
    }
  }
  let best = 0;
  for (let i = 1; i < positions; i++) if ((counts[i] as number) > (counts[best] as number)) best = i;
  return { start: best, count: counts[best] as number };
}

/**
 * Gopher's duplicated n-grams, counted as datatrove does: walking the words, an n-gram seen before
 * adds its characters and the walk jumps past it (so overlapping repeats are not counted twice);
 * otherwise it is remembered and the walk moves one word. Returns the summed characters of the
 * repeated n-grams, with `wordChars[i]` the length of word i (words joined without spaces).
 * 0 means every n-gram is distinct (and so is every longer one).
 */
export function duplicateNgramChars(grams: NgramHashes, n: number, wordChars: Int32Array): number {
  const positions = grams.length - n + 1;
  if (positions <= 0) return 0;
  const raw = grams.raw(n);
  const { slots, mask } = tableFor(positions);
  let repeated = 0;
  let i = 0;
  while (i < positions) {
    const slot = findSlot(slots, mask, grams, raw, n, i);
    if (slot >= 0) {
      for (let k = 0; k < n; k++) repeated += wordChars[i + k] as number;
      i += n;
    } else {
      slots[-slot - 1] = i + 1;
      i++;
    }
  }
  return repeated;
}
