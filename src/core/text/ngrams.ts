/**
 * Word n-gram statistics over interned word ids, without building n-gram strings: every n-gram
 * gets a dense id (equal n-grams, equal ids), found by interning a pair of integers per position,
 * so results are exact and the cost is linear in the number of words.
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

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

// scratch for interning one level (pair table and the pairs by id): reused by every document
let slotScratch = new Int32Array(1 << 12);
let leftScratch = new Int32Array(1 << 11);
let rightScratch = new Int32Array(1 << 11);
let countScratch = new Int32Array(1 << 11);
let seenScratch = new Uint8Array(1 << 11);

/**
 * The per-n state of the one `NgramIds` using it: buffers shared by every document (a document's
 * levels are asked for one after another), so an analysis kept alive with its document holds only
 * its word ids. Another document taking the state makes the previous owner start again from its
 * words at its next call (correct, only slower).
 */
const state = {
  owner: undefined as NgramIds | undefined,
  /** Ids of the n-grams at each position, for n = `n` (valid below `length − n + 1`). */
  ids: new Int32Array(1 << 11),
  /** Position of the first occurrence of each id. */
  first: new Int32Array(1 << 11),
  /** 1 for each id of the current n that occurs more than once; and the buffer for the next n. */
  repeated: new Uint8Array(1 << 11),
  nextRepeated: new Uint8Array(1 << 11),
  n: 1,
  distinct: 0,
};

/**
 * The word n-grams of a text as dense ids, one n at a time. The n-gram at position i is the
 * (n − 1)-gram at i followed by word i + n − 1, so its id is that pair of integers interned in a
 * hash table (ids numbered in order of first appearance; a hash match is checked on both
 * integers, never on n words), and an n-gram whose (n − 1)-gram occurs once takes the next id
 * without a lookup. Ids for n are computed in place from those for n − 1, so asking for increasing
 * n (as the Gopher rules do) costs one pass per n; asking for a smaller n than the last starts
 * again from the words. Once every n-gram of a length is distinct, longer ones are too and cost
 * nothing.
 */
export class NgramIds {
  readonly #words: Int32Array;

  constructor(words: Int32Array) {
    this.#words = words;
  }

  get length(): number {
    return this.#words.length;
  }

  /** The word ids (numbered in order of first appearance). */
  get ids(): Int32Array {
    return this.#words;
  }

  /** Takes the shared state and sets it to n = 1: the word ids themselves. */
  #restart(): void {
    const words = this.#words;
    const size = Math.max(words.length, 16);
    if (state.ids.length < size) {
      state.ids = new Int32Array(size * 2);
      state.first = new Int32Array(size * 2);
      state.repeated = new Uint8Array(size * 2);
      state.nextRepeated = new Uint8Array(size * 2);
    }
    const { ids, first, repeated } = state;
    repeated.fill(0, 0, words.length);
    let distinct = 0;
    for (let i = 0; i < words.length; i++) {
      const id = words[i] as number;
      ids[i] = id;
      if (id === distinct) first[distinct++] = i;
      else repeated[id] = 1;
    }
    state.owner = this;
    state.n = 1;
    state.distinct = distinct;
  }

  /**
   * The n-gram ids at each position (valid below `length − n + 1` until another n or another
   * document is asked for), the number of distinct ones, and where each id first occurs.
   */
  level(n: number): { readonly ids: Int32Array; readonly distinct: number; readonly first: Int32Array } {
    if (state.owner !== this || n < state.n) this.#restart();
    const words = this.#words;
    const { ids, first } = state;
    for (let level = state.n + 1; level <= n; level++) {
      const count = words.length - level + 1;
      if (count <= 0) {
        state.distinct = 0;
        continue;
      }
      if (state.distinct === count + 1) {
        // every (n − 1)-gram distinct: so is every n-gram, in position order
        for (let i = 0; i < count; i++) ids[i] = first[i] = i;
        state.repeated.fill(0, 0, count);
        state.distinct = count;
        continue;
      }
      let size = 16;
      while (size < count * 2) size *= 2;
      if (slotScratch.length < size) slotScratch = new Int32Array(size);
      else slotScratch.fill(0, 0, size);
      if (leftScratch.length < count) {
        leftScratch = new Int32Array(count * 2);
        rightScratch = new Int32Array(count * 2);
      }
      const slots = slotScratch;
      const left = leftScratch;
      const right = rightScratch;
      const mask = size - 1;
      const repeated = state.repeated;
      const nextRepeated = state.nextRepeated;
      let next = 0;
      for (let i = 0; i < count; i++) {
        const a = ids[i] as number;
        if (repeated[a] === 0) {
          // its (n − 1)-gram occurs once, so it does: the next id, no lookup (most 4-grams and longer)
          first[next] = i;
          nextRepeated[next] = 0;
          ids[i] = next++;
          continue;
        }
        const b = words[i + level - 1] as number;
        let slot = finalize(Math.imul(a, 0x9e3779b1) ^ (b + 0x7f4a7c15)) & mask;
        for (;;) {
          const stored = slots[slot] as number;
          if (stored === 0) {
            slots[slot] = next + 1;
            left[next] = a;
            right[next] = b;
            first[next] = i;
            nextRepeated[next] = 0;
            ids[i] = next++;
            break;
          }
          const id = stored - 1;
          if (left[id] === a && right[id] === b) {
            ids[i] = id;
            nextRepeated[id] = 1;
            break;
          }
          slot = (slot + 1) & mask;
        }
      }
      state.distinct = next;
      state.repeated = nextRepeated;
      state.nextRepeated = repeated;
    }
    state.n = Math.max(state.n, n);
    return { ids, distinct: state.distinct, first };
  }
}

/**
 * Gopher's "top n-gram": the most frequent n-gram (ties: the one that appears first), with the
 * number of times it occurs (overlapping occurrences included). `undefined` when there are fewer than n words.
 */
export function topNgram(grams: NgramIds, n: number): { readonly start: number; readonly count: number } | undefined {
  const positions = grams.length - n + 1;
  if (positions <= 0) return undefined;
  const { ids, distinct, first } = grams.level(n);
  if (distinct === positions) return { start: 0, count: 1 };
  if (countScratch.length < distinct) countScratch = new Int32Array(distinct * 2);
  const counts = countScratch;
  counts.fill(0, 0, distinct);
  for (let i = 0; i < positions; i++) counts[ids[i] as number] = (counts[ids[i] as number] as number) + 1;
  // ids are numbered in order of first appearance: the lowest id wins a tie
  let best = 0;
  for (let id = 1; id < distinct; id++) if ((counts[id] as number) > (counts[best] as number)) best = id;
  return { start: first[best] as number, count: counts[best] as number };
}

/**
 * Gopher's duplicated n-grams, counted as datatrove does: walking the words, an n-gram seen before
 * adds its characters and the walk jumps past it (so overlapping repeats are not counted twice);
 * otherwise it is remembered and the walk moves one word. Returns the summed characters of the
 * repeated n-grams, with `wordChars[i]` the length of word i (words joined without spaces).
 * 0 means every n-gram is distinct (and so is every longer one).
 */
export function duplicateNgramChars(grams: NgramIds, n: number, wordChars: Int32Array): number {
  const positions = grams.length - n + 1;
  if (positions <= 0) return 0;
  const { ids, distinct } = grams.level(n);
  if (distinct === positions) return 0;
  if (seenScratch.length < distinct) seenScratch = new Uint8Array(distinct * 2);
  const seen = seenScratch;
  seen.fill(0, 0, distinct);
  let repeated = 0;
  let i = 0;
  while (i < positions) {
    const id = ids[i] as number;
    if (seen[id] === 1) {
      for (let k = 0; k < n; k++) repeated += wordChars[i + k] as number;
      i += n;
    } else {
      seen[id] = 1;
      i++;
    }
  }
  return repeated;
}
