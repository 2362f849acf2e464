/**
 * 32-bit hashing primitives for deduplication: MurmurHash3's finalizer and block mixing, used on
 * numbers (token hashes, signature words) so that nothing allocates strings in the hot loops.
 */

import { fmix32, mixBlock } from "../hash.js";

export { fmix32, mixBlock };

/** MurmurHash3-style hash of `count` 32-bit words of `words` starting at `start`. */
export function hashWords(words: ArrayLike<number>, start: number, count: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < count; i++) h = mixBlock(h, words[start + i] as number);
  return fmix32(h ^ (count * 4));
}

/** Eight lowercase hex digits of a 32-bit number. */
export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

/** Splits a double into two 32-bit words (platform byte order), for fixed-size binary records. */
export function doubleToWords(value: number, out: Uint32Array, at: number): void {
  f64[0] = value;
  out[at] = f64Words[0] as number;
  out[at + 1] = f64Words[1] as number;
}

/** Inverse of {@link doubleToWords}. */
export function wordsToDouble(words: ArrayLike<number>, at: number): number {
  f64Words[0] = words[at] as number;
  f64Words[1] = words[at + 1] as number;
  return f64[0] as number;
}

const f32 = new Float32Array(1);
const f32Word = new Uint32Array(f32.buffer);

/** A float32 as its 32-bit pattern (for similarity values in binary records). */
export function floatToWord(value: number): number {
  f32[0] = value;
  return f32Word[0] as number;
}

/** Inverse of {@link floatToWord}. */
export function wordToFloat(word: number): number {
  f32Word[0] = word;
  return f32[0] as number;
}
