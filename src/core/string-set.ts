/**
 * A compact set of strings for very large block lists (UT1's `adult` category has millions of
 * domains): each string is stored as a 63-bit fingerprint (two seeded MurmurHash3 values) in an
 * open-addressing table of typed arrays, 8 bytes per slot at a load factor ≤ 0.5, instead of a
 * JS string in a `Set` (~60–100 bytes each). Membership has no false negatives; a false positive
 * needs two independent 32-bit hashes (one with 31 bits) to collide, about 1 in 10^19 per lookup.
 */
import { murmur3 } from "./hash.js";

const SEED_A = 0x3c6ef372;
const SEED_B = 0xa54ff53a;

export class StringSet {
  private a: Uint32Array;
  private b: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.a = new Uint32Array(cap);
    this.b = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  add(key: string): void {
    if ((this.count + 1) * 2 > this.a.length) this.grow();
    if (this.insert(murmur3(key, SEED_A), (murmur3(key, SEED_B) | 1) >>> 0)) this.count++;
  }

  has(key: string): boolean {
    const ha = murmur3(key, SEED_A);
    const hb = (murmur3(key, SEED_B) | 1) >>> 0;
    for (let i = ha & this.mask; ; i = (i + 1) & this.mask) {
      const b = this.b[i] as number;
      if (b === 0) return false;
      if (b === hb && this.a[i] === ha) return true;
    }
  }

  private insert(ha: number, hb: number): boolean {
    for (let i = ha & this.mask; ; i = (i + 1) & this.mask) {
      const b = this.b[i] as number;
      if (b === 0) {
        this.a[i] = ha;
        this.b[i] = hb;
        return true;
      }
      if (b === hb && this.a[i] === ha) return false;
    }
  }

  private grow(): void {
    const { a, b } = this;
    this.a = new Uint32Array(a.length * 2);
    this.b = new Uint32Array(b.length * 2);
    this.mask = this.a.length - 1;
    for (let i = 0; i < a.length; i++) if ((b[i] as number) !== 0) this.insert(a[i] as number, b[i] as number);
  }
}
