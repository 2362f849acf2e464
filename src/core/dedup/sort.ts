/**
 * Sorting fixed-size binary records (runs of 32-bit words) by their leading words: a stable LSD
 * radix sort with 16-bit digits, O(n) per key word, so spilling a sorted run of millions of
 * records costs milliseconds and no comparator calls.
 */

/**
 * Returns the `count` records of `data` (each `recordWords` words) sorted by their first
 * `keyWords` words (unsigned, word 0 most significant). Stable: equal keys keep their order.
 */
export function sortRecords(data: Uint32Array, recordWords: number, count: number, keyWords: number): Uint32Array {
  let perm = new Uint32Array(count);
  let next = new Uint32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  const counts = new Uint32Array(65536);
  for (let w = keyWords - 1; w >= 0; w--) {
    for (let shift = 0; shift <= 16; shift += 16) {
      counts.fill(0);
      let same = true;
      const first = count > 0 ? ((data[w] as number) >>> shift) & 0xffff : 0;
      for (let i = 0; i < count; i++) {
        const d = ((data[i * recordWords + w] as number) >>> shift) & 0xffff;
        (counts[d] as number)++;
        if (d !== first) same = false;
      }
      if (same) continue;
      let sum = 0;
      for (let d = 0; d < 65536; d++) {
        const c = counts[d] as number;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < count; i++) {
        const p = perm[i] as number;
        const d = ((data[p * recordWords + w] as number) >>> shift) & 0xffff;
        next[counts[d] as number] = p;
        (counts[d] as number)++;
      }
      [perm, next] = [next, perm];
    }
  }
  const out = new Uint32Array(count * recordWords);
  for (let i = 0; i < count; i++) {
    const from = (perm[i] as number) * recordWords;
    const to = i * recordWords;
    for (let k = 0; k < recordWords; k++) out[to + k] = data[from + k] as number;
  }
  return out;
}

/** Compares two records' first `keyWords` words (unsigned); negative, zero or positive. */
export function compareKeys(a: Uint32Array, ai: number, b: Uint32Array, bi: number, keyWords: number): number {
  for (let w = 0; w < keyWords; w++) {
    const x = a[ai + w] as number;
    const y = b[bi + w] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
