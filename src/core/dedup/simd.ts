/**
 * The inner loop of 32-bit MinHash in WebAssembly SIMD: eight hash functions per pass over the
 * shingles, four in each 128-bit lane group (i32x4.mul, shr_u, min_u). Same arithmetic as the
 * JavaScript loop, so the same signatures; 3–4× faster. The module is 200 bytes, assembled here
 * from its opcodes (no toolchain, nothing downloaded); where WebAssembly SIMD is unavailable the
 * JavaScript loop runs instead.
 *
 * Exports: memory `m`; `s(shingles, n, params, groups, out)`: for each group g of 8 functions, reads
 * (a0, b0, a1, b1) as four v128 at params + 64g and writes eight u32 minima at out + 32g.
 */

import { I32, V128, instantiate, section, type WasmMemory, uleb } from "../wasm.js";

const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const tee = (i: number): number[] => [0x22, i];
const i32const = (n: number): number[] => [0x41, ...uleb(n)]; // small non-negative constants only
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const v128load = (offset: number): number[] => [...simd(0x00), 4, ...uleb(offset)];
const v128store = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];

// params: 0 shingles, 1 n, 2 params, 3 groups, 4 out; locals: 5 j, 6 g, 7 x, 8 m0, 9 m1, 10 a0, 11 b0, 12 a1, 13 b1, 14 h
const [SH, N, PP, GROUPS, OUT, J, G, X, M0, M1, A0, B0, A1, B1, H] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

function lane(a: number, b: number, m: number): number[] {
  // m = min_u(m, h ^ (h >>> 15)) with h = (x ^ b) * a
  return [...get(X), ...get(b), ...simd(0x51), ...get(a), ...simd(0xb5), ...tee(H), ...get(H), ...i32const(15), ...simd(0xad), ...simd(0x51), ...get(m), ...simd(0xb7), ...set(m)];
}

function body(): number[] {
  const paramBase = [...get(PP), ...get(G), ...i32const(6), 0x74, 0x6a]; // pp + g * 64
  const ones = [...simd(0x0c), ...new Array<number>(16).fill(0xff)];
  const code = [
    0x02, 0x40, // block $done
    0x03, 0x40, // loop $outer
    ...get(G), ...get(GROUPS), 0x4f, 0x0d, 1, // if g >= groups: br $done
    ...paramBase, ...v128load(0), ...set(A0),
    ...paramBase, ...v128load(16), ...set(B0),
    ...paramBase, ...v128load(32), ...set(A1),
    ...paramBase, ...v128load(48), ...set(B1),
    ...ones, ...set(M0),
    ...ones, ...set(M1),
    ...i32const(0), ...set(J),
    0x02, 0x40, // block $inner_done
    0x03, 0x40, // loop $inner
    ...get(J), ...get(N), 0x4f, 0x0d, 1, // if j >= n: br $inner_done
    ...get(SH), ...get(J), ...i32const(2), 0x74, 0x6a, 0x28, 2, 0, ...simd(0x11), ...set(X), // x = splat(load32(sh + 4j))
    ...lane(A0, B0, M0),
    ...lane(A1, B1, M1),
    ...get(J), ...i32const(1), 0x6a, ...set(J),
    0x0c, 0, // br $inner
    0x0b, 0x0b, // end loop, end block
    ...get(OUT), ...get(G), ...i32const(5), 0x74, 0x6a, ...get(M0), ...v128store(0),
    ...get(OUT), ...get(G), ...i32const(5), 0x74, 0x6a, ...get(M1), ...v128store(16),
    ...get(G), ...i32const(1), 0x6a, ...set(G),
    0x0c, 0, // br $outer
    0x0b, 0x0b, // end loop, end block
    0x0b, // end function
  ];
  const locals = [2, 2, I32, 8, V128];
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

function moduleBytes(): Uint8Array {
  const type = section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]);
  const func = section(3, [1, 0]);
  const memory = section(5, [1, 0, 1]);
  const exports = section(7, [2, 1, 0x6d, 0x02, 0, 1, 0x73, 0x00, 0]);
  const code = section(10, [1, ...body()]);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...func, ...memory, ...exports, ...code]);
}

/** A compiled SIMD kernel with its own memory; `undefined` where WebAssembly SIMD is not available. */
export interface SimdMinHash {
  /** Writes the minima of the first `groups × 8` functions for `n` shingles into `out`. */
  run(shingles: Uint32Array, n: number, groups: number, out: Uint32Array): void;
}

const PARAMS = 0;
const OUT_AT = 8192;
const SHINGLES_AT = 16384;

/** Builds the kernel for one set of parameters (a_i odd multipliers, b_i xor masks). */
export function simdMinHash(a: Int32Array, b: Int32Array): SimdMinHash | undefined {
  if (process.env.REFINERY_NO_SIMD === "1") return undefined;
  const exports = instantiate(moduleBytes());
  if (exports === undefined) return undefined;
  const memory = exports.m as WasmMemory;
  const fn = exports.s as (sh: number, n: number, pp: number, groups: number, out: number) => void;
  const groups = Math.floor(a.length / 8);
  if (groups * 64 > OUT_AT || groups * 32 > SHINGLES_AT - OUT_AT) return undefined;
  const params = new Int32Array(memory.buffer, PARAMS, groups * 16);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < 4; k++) {
      params[g * 16 + k] = a[g * 8 + k] as number;
      params[g * 16 + 4 + k] = b[g * 8 + k] as number;
      params[g * 16 + 8 + k] = a[g * 8 + 4 + k] as number;
      params[g * 16 + 12 + k] = b[g * 8 + 4 + k] as number;
    }
  }
  return {
    run(shingles, n, count, out) {
      const need = SHINGLES_AT + n * 4;
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      new Uint32Array(memory.buffer, SHINGLES_AT, n).set(shingles.subarray(0, n));
      fn(SHINGLES_AT, n, PARAMS, count, OUT_AT);
      out.set(new Uint32Array(memory.buffer, OUT_AT, count * 8));
    },
  };
}
