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

/** One exported function of {@link functionsModule}: its name, types and body (locals first). */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  readonly body: readonly number[];
}

/** A module of several functions sharing one exported memory `m` of `pages`; each function exported by name. */
export function functionsModule(functions: readonly WasmFunction[], pages: number): Uint8Array {
  const n = functions.length;
  const type = section(1, [n, ...functions.flatMap((f) => [0x60, f.params.length, ...f.params, f.results.length, ...f.results])]);
  const func = section(3, [n, ...functions.map((_, i) => i)]);
  const memory = section(5, [1, 0, ...uleb(pages)]);
  const name = (text: string): number[] => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const exports = section(7, [n + 1, ...name("m"), 0x02, 0, ...functions.flatMap((f, i) => [...name(f.name), 0x00, i])]);
  const code = section(10, [n, ...functions.flatMap((f) => [...uleb(f.body.length), ...f.body])]);
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
