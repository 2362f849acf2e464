/**
 * A few helpers to assemble tiny WebAssembly modules from opcodes, in code: no toolchain, nothing
 * downloaded, and the bytes are reviewable next to the JavaScript they replace. Used for hot inner
 * loops (MinHash, the normalize pre-scan) where V8's JavaScript is several times slower.
 */

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A module of one function `f` (the given type and body) exporting it and one memory `m` of `pages`. */
export function singleFunctionModule(params: number[], results: number[], body: number[], pages: number): Uint8Array {
  const type = section(1, [1, 0x60, params.length, ...params, results.length, ...results]);
  const func = section(3, [1, 0]);
  const memory = section(5, [1, 0, ...uleb(pages)]);
  const exports = section(7, [2, 1, 0x6d, 0x02, 0, 1, 0x66, 0x00, 0]);
  const code = section(10, [1, ...uleb(body.length), ...body]);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...func, ...memory, ...exports, ...code]);
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** Linear memory of an instance. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Compiles and instantiates module bytes; `undefined` where WebAssembly (or the feature used) is missing. */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | undefined {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(bytes)).exports;
  } catch {
    return undefined;
  }
}
