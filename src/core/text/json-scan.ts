/**
 * A pre-scan of a JSONL line's bytes that tells whether the text in it might need `normalize`'s
 * whitespace or control-character work. It runs on the input bytes the reader already holds for
 * unchanged documents, 16 bytes at a time in a WebAssembly SIMD loop (several times the speed of
 * the two regular expressions it replaces on a JavaScript string). It may say "maybe" for a line
 * that needs nothing (every field of the line counts, and `\u` escapes are not decoded);
 * it never says "no" for a line that needs work. NFC is decided separately.
 *
 * "Needs work" means any of: two spaces in a row; a space before an escaped newline (`" \n"`);
 * the escapes `\t`, `\r`, `\b`, `\f`; `\u` escapes of C0/C1 control characters, DEL or U+FEFF;
 * raw bytes of DEL (7F), C1 controls and NEL (C2 80–9F), a BOM (EF BB BF) or any byte below 20
 * (which JSON does not allow raw). The JavaScript version decodes escapes exactly; the SIMD one
 * answers "maybe" for every `\u` escape.
 */
import { I32, V128, functionsModule, instantiate, type WasmMemory, uleb } from "../wasm.js";

// A SIMD loop over 16 bytes at a time, with loads at +1 and +2 for the pairs and triples; any
// flagged byte answers "maybe". Padding after the line is 'a', which flags nothing.
// locals: 0 p (param), 1 end (param), 2 v, 3 v1, 4 v2, then one v128 per byte constant
const [P, END, V, V1, V2] = [0, 1, 2, 3, 4];
const BYTES = [0x20, 0x7f, 0xc2, 0xef, 0x5c, 0x6e, 0x22, 0x2f, 0xa0, 0xbb, 0xbf];
const C = (byte: number): number => 5 + BYTES.indexOf(byte);
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const vload = (offset: number): number[] => [...get(P), ...simd(0x00), 0, ...uleb(offset)]; // v128.load align=1
const eq = (local: number, byte: number): number[] => [...get(local), ...get(C(byte)), ...simd(0x23)]; // i8x16.eq
const AND = simd(0x4e);
const OR = simd(0x50);
const ANDNOT = simd(0x4f);
const ANY = simd(0x53);

function body(): number[] {
  const constants = BYTES.flatMap((b) => [...simd(0x0c), ...new Array<number>(16).fill(b), ...set(C(b))]);
  const code = [
    ...constants,
    0x02, 0x40, // block $out
    0x03, 0x40, // loop $L
    ...get(P), ...get(END), 0x4f, 0x0d, 1, // p >= end: br $out
    ...vload(0), ...set(V),
    ...vload(1), ...set(V1),
    ...vload(2), ...set(V2),
    // raw bytes below 0x20 (unsigned), DEL, C2 80–9F (C1 controls, NEL), EF BB BF (BOM)
    ...get(V), ...get(C(0x20)), ...simd(0x26), // i8x16.lt_u
    ...eq(V, 0x7f), ...OR,
    ...eq(V, 0xc2), ...get(V1), ...get(C(0xa0)), ...simd(0x26), ...AND, ...OR,
    ...eq(V, 0xef), ...eq(V1, 0xbb), ...AND, ...eq(V2, 0xbf), ...AND, ...OR,
    // two spaces; a space before an escaped newline
    ...eq(V, 0x20), ...eq(V1, 0x20), ...eq(V1, 0x5c), ...eq(V2, 0x6e), ...AND, ...OR, ...AND, ...OR,
    // a backslash not followed by n, ", \ or / (\t, \r, \u…: "maybe"). An escaped backslash's
    // second byte looks like an escape start, which can only turn a "no" into a "maybe".
    ...eq(V, 0x5c),
    ...eq(V1, 0x6e), ...eq(V1, 0x22), ...OR, ...eq(V1, 0x5c), ...OR, ...eq(V1, 0x2f), ...OR,
    ...ANDNOT, ...OR,
    ...ANY, 0x04, 0x40, ...[0x41, 1], 0x0f, 0x0b, // if any: return 1
    ...get(P), 0x41, 16, 0x6a, ...set(P),
    0x0c, 0, // br $L
    0x0b, 0x0b, // end loop, end block
    0x41, 0,
    0x0b, // end function
  ];
  return [1, 3 + BYTES.length, V128, ...code];
}

// The second kernel counts, over a byte range, what the UTF-16 length of a JSON string's text needs:
// continuation bytes (10xxxxxx), 4-byte sequence leads (F0–F4: a surrogate pair each), backslashes,
// whether two backslashes stand together (then escapes are counted exactly in JavaScript), and
// lead bytes of code points from U+0300 on (CC and above: the only ones NFC can touch).
// locals: 0 p (param), 1 end (param), 2 v, 3 v1, 4 cont, 5 four, 6 bs, 7 pairs, 8 high, then the constants
const COUNT_BYTES = [0xc0, 0x80, 0xf0, 0x5c, 0xcc];
const K = (byte: number): number => 9 + COUNT_BYTES.indexOf(byte);
const [CONT, FOUR, BS, PAIRS, HIGH] = [4, 5, 6, 7, 8];
const BITMASK = simd(0x64);
const POPCNT = 0x69;
const ADD = 0x6a;
const GE_U = simd(0x2c);

function countsBody(): number[] {
  const constants = COUNT_BYTES.flatMap((b) => [...simd(0x0c), ...new Array<number>(16).fill(b), ...set(K(b))]);
  const count = (local: number, test: number[]): number[] => [...get(local), ...test, ...BITMASK, POPCNT, ADD, ...set(local)];
  const store = (local: number, offset: number): number[] => [0x41, 0, ...get(local), 0x36, 2, ...uleb(offset)]; // i32.store align=4
  const code = [
    ...constants,
    0x02, 0x40, // block $out
    0x03, 0x40, // loop $L
    ...get(P), ...get(END), 0x4f, 0x0d, 1, // p >= end: br $out
    ...vload(0), ...set(V),
    ...vload(1), ...set(V1),
    ...count(CONT, [...get(V), ...get(K(0xc0)), ...AND, ...get(K(0x80)), ...simd(0x23)]),
    ...count(FOUR, [...get(V), ...get(K(0xf0)), ...GE_U]),
    ...count(BS, [...get(V), ...get(K(0x5c)), ...simd(0x23)]),
    ...count(HIGH, [...get(V), ...get(K(0xcc)), ...GE_U]),
    ...get(PAIRS), ...get(V), ...get(K(0x5c)), ...simd(0x23), ...get(V1), ...get(K(0x5c)), ...simd(0x23), ...AND, ...BITMASK, 0x72, ...set(PAIRS), // i32.or
    ...get(P), 0x41, 16, 0x6a, ...set(P),
    0x0c, 0, // br $L
    0x0b, 0x0b, // end loop, end block
    ...store(CONT, 0), ...store(FOUR, 4), ...store(BS, 8), ...store(PAIRS, 12), ...store(HIGH, 16),
    0x0b, // end function
  ];
  return [3, 2, V128, 5, I32, COUNT_BYTES.length, V128, ...code];
}

type ScanFn = (start: number, end: number) => number;
type CountFn = (start: number, end: number) => void;

interface Kernel {
  readonly scan: ScanFn;
  readonly count: CountFn;
  readonly memory: WasmMemory;
  /** The line last copied in (its bytes start at DATA). */
  line: Uint8Array | undefined;
}

let kernel: Kernel | null | undefined;

function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const exports =
    process.env.REFINERY_NO_WASM === "1"
      ? undefined
      : instantiate(
          functionsModule(
            [
              { name: "f", params: [I32, I32], results: [I32], body: body() },
              { name: "g", params: [I32, I32], results: [], body: countsBody() },
            ],
            16,
          ),
        );
  kernel = exports ? { scan: exports.f as ScanFn, count: exports.g as CountFn, memory: exports.m as WasmMemory, line: undefined } : null;
  return kernel;
}

/** Counts are written at 0; lines are copied in at DATA, with PAD bytes of padding after them. */
const DATA = 64;
const PAD = 32;

function copyIn(wasm: Kernel, line: Uint8Array): void {
  const need = DATA + line.length + PAD;
  if (need > wasm.memory.buffer.byteLength) wasm.memory.grow(Math.ceil((need - wasm.memory.buffer.byteLength) / 65536));
  const mem = new Uint8Array(wasm.memory.buffer);
  mem.set(line, DATA);
  mem.fill(0x61, DATA + line.length, need);
  wasm.line = line;
}

/** Whether the JSONL line may hold text that needs whitespace or control-character normalization. */
export function jsonLineMayNeedWork(line: Uint8Array): boolean {
  const wasm = load();
  if (wasm === null) return jsonLineMayNeedWorkJs(line);
  copyIn(wasm, line);
  return wasm.scan(DATA, DATA + line.length) !== 0;
}

/** What a byte range of a JSON string's contents holds, for its decoded length and NFC. */
export interface StringCounts {
  /** Continuation bytes (10xxxxxx). */
  readonly cont: number;
  /** Leads of 4-byte sequences (each decodes to a surrogate pair). */
  readonly four: number;
  /** Backslashes. */
  readonly backslashes: number;
  /** Whether two backslashes stand next to each other somewhere (escapes then need counting one by one). */
  readonly adjacentBackslashes: boolean;
  /** Lead bytes of code points from U+0300 on. */
  readonly high: number;
}

/**
 * Counts over `line[start, end)`, in WebAssembly SIMD when the line was the last one given to
 * {@link jsonLineMayNeedWork} (its bytes are still in the kernel's memory), else in JavaScript.
 */
export function stringCounts(line: Uint8Array, start: number, end: number): StringCounts {
  const wasm = load();
  if (wasm === null || wasm.line !== line) return stringCountsJs(line, start, end);
  wasm.count(DATA + start, DATA + end);
  const out = new Int32Array(wasm.memory.buffer, 0, 5);
  let [cont, four, backslashes, pairs, high] = [out[0] as number, out[1] as number, out[2] as number, out[3] as number, out[4] as number];
  // the loop reads whole 16-byte blocks: take back what it counted past `end`
  const blocksEnd = start + Math.ceil((end - start) / 16) * 16;
  const mem = new Uint8Array(wasm.memory.buffer, DATA, line.length + PAD);
  for (let i = end; i < blocksEnd; i++) {
    const b = mem[i] as number;
    if ((b & 0xc0) === 0x80) cont--;
    if (b >= 0xf0) four--;
    if (b === 0x5c) backslashes--;
    if (b >= 0xcc) high--;
  }
  // a pair seen past `end` only makes the caller count escapes exactly
  return { cont, four, backslashes, adjacentBackslashes: pairs !== 0, high };
}

/** The same counts in JavaScript (no WebAssembly, and the reference the tests compare with). */
export function stringCountsJs(line: Uint8Array, start: number, end: number): StringCounts {
  let [cont, four, backslashes, high] = [0, 0, 0, 0];
  let adjacentBackslashes = false;
  for (let i = start; i < end; i++) {
    const b = line[i] as number;
    if ((b & 0xc0) === 0x80) cont++;
    if (b >= 0xf0) four++;
    if (b >= 0xcc) high++;
    if (b === 0x5c) {
      backslashes++;
      if (line[i + 1] === 0x5c) adjacentBackslashes = true;
    }
  }
  return { cont, four, backslashes, adjacentBackslashes, high };
}

const lower = (b: number | undefined): number => (b ?? 0) | 0x20;

/** The same scan in JavaScript (no WebAssembly, and the reference the tests compare with). */
export function jsonLineMayNeedWorkJs(b: Uint8Array): boolean {
  let prev = 0;
  for (let p = 0; p < b.length; ) {
    const c = b[p] as number;
    if (c < 0x20) return true;
    if (c === 0x20 && prev === 0x20) return true;
    if (c === 0x5c) {
      const n = b[p + 1] ?? 0;
      if (n === 0x6e) {
        if (prev === 0x20) return true;
        p += 2;
        prev = 0x0a;
        continue;
      }
      if (n === 0x22 || n === 0x5c || n === 0x2f) {
        p += 2;
        prev = n;
        continue;
      }
      if (n === 0x75) {
        const [d0, d1, d2, d3] = [lower(b[p + 2]), lower(b[p + 3]), lower(b[p + 4]), lower(b[p + 5])];
        if (d0 === 0x30 && d1 === 0x30 && (d2 === 0x30 || d2 === 0x31 || d2 === 0x38 || d2 === 0x39 || (d2 === 0x37 && d3 === 0x66))) return true;
        if (d0 === 0x66 && d1 === 0x65 && d2 === 0x66 && d3 === 0x66) return true;
        p += 6;
        prev = 0x100;
        continue;
      }
      return true;
    }
    if (c === 0x7f) return true;
    if (c === 0xc2 && (b[p + 1] ?? 0) >= 0x80 && (b[p + 1] ?? 0) <= 0x9f) return true;
    if (c === 0xef && b[p + 1] === 0xbb && b[p + 2] === 0xbf) return true;
    prev = c;
    p++;
  }
  return false;
}
