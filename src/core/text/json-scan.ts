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

// SIMD loops over 16 bytes at a time, with loads at +1 and +2 for the pairs and triples. Padding
// after the line is 'a', which flags nothing. Both functions share one layout of locals:
// 0 p (param), 1 end (param), 2 v, 3 v1, 4 v2, 5 soft, 6 hard (v128); 7 cont, 8 four, 9 bs,
// 10 pairs, 11 high, 12 inert, 13 scratch, 14 uni (i32); then one v128 per byte constant.
const [P, END, V, V1, V2, SOFT, HARD] = [0, 1, 2, 3, 4, 5, 6];
const [CONT, FOUR, BS, PAIRS, HIGH, INERT, SCRATCH, UNI] = [7, 8, 9, 10, 11, 12, 13, 14];
const BYTES = [
  0x20, 0x7f, 0xc2, 0xef, 0x5c, 0x6e, 0x22, 0x2f, 0xa0, 0xbb, 0xbf, 0xc0, 0x80, 0xf0, 0xcc, 0x74, 0x72, 0x75,
  0xd0, 0xd1, 0xe4, 0xe9, 0xeb, 0xec, 0xea, 0xb0, 0xed, 0x9e, 0xe3, 0xaa, 0xaf, 0x82, 0x99, 0x9a,
];
const C = (byte: number): number => 15 + BYTES.indexOf(byte);
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const vload = (offset: number): number[] => [...get(P), ...simd(0x00), 0, ...uleb(offset)]; // v128.load align=1
const eq = (local: number, byte: number): number[] => [...get(local), ...get(C(byte)), ...simd(0x23)]; // i8x16.eq
const AND = simd(0x4e);
const OR = simd(0x50);
const ANDNOT = simd(0x4f);
const ANY = simd(0x53);
const BITMASK = simd(0x64);
const cmp = (op: number) => (local: number, byte: number): number[] => [...get(local), ...get(C(byte)), ...simd(op)];
const ltU = cmp(0x26);
const leU = cmp(0x2a);
const geU = cmp(0x2c);
const LOCALS = [3, 5, V128, 8, I32, BYTES.length, V128];

/**
 * Leaves on the stack a vector flagging the bytes where work that cannot be done on the bytes may
 * start: raw bytes below 0x20, DEL, a backslash not followed by n, ", \, /, t or r (\u…, \b, \f).
 * An escaped backslash's second byte looks like an escape start, which can only turn a "no" into a
 * "maybe". The non-ASCII ones (C1 controls, BOM) are {@link hardHighFlags}.
 */
function hardAsciiFlags(): number[] {
  return [...ltU(V, 0x20), ...eq(V, 0x7f), ...OR, ...badEscapes(SIMPLE_ESCAPES), ...OR];
}

/** The escapes read on the bytes: n " \ / t r (each two bytes). */
const SIMPLE_ESCAPES = [0x6e, 0x22, 0x5c, 0x2f, 0x74, 0x72];

/** Backslashes not followed by one of `allowed`. */
function badEscapes(allowed: readonly number[]): number[] {
  return [...eq(V, 0x5c), ...allowed.flatMap((b, i) => (i === 0 ? eq(V1, b) : [...eq(V1, b), ...OR])), ...ANDNOT];
}

/** Two spaces, or a space before an escaped newline. */
function spaceFlags(): number[] {
  return [...eq(V, 0x20), ...eq(V1, 0x20), ...eq(V1, 0x5c), ...eq(V2, 0x6e), ...AND, ...OR, ...AND];
}

/** A backslash before t or r (a tab or CR escape, or the second half of `\\` before a letter). */
function tabCrFlags(): number[] {
  return [...eq(V, 0x5c), ...eq(V1, 0x74), ...eq(V1, 0x72), ...OR, ...AND];
}

/** C2 80–9F (C1 controls, NEL) and EF BB BF (BOM). */
function hardHighFlags(): number[] {
  return [...eq(V, 0xc2), ...ltU(V1, 0xa0), ...AND, ...eq(V, 0xef), ...eq(V1, 0xbb), ...AND, ...eq(V2, 0xbf), ...AND, ...OR];
}

function hardFlags(): number[] {
  return [...hardAsciiFlags(), ...hardHighFlags(), ...OR];
}

/** The same for whitespace work: two spaces, a space before an escaped newline, `\t`, `\r`. */
function softFlags(): number[] {
  return [...spaceFlags(), ...tabCrFlags(), ...OR];
}

/**
 * Leaves on the stack a vector flagging lead bytes of code points NFC leaves alone in any context,
 * in the blocks most text from U+0300 on is in: Cyrillic U+0400–047F (D0, D1), CJK symbols, kana,
 * Hangul compatibility jamo and CJK extension A U+3000–3FFF (E3) but for the combining U+302A–302F
 * (E3 80 AA–AF) and U+3099–309A (E3 82 99–9A), CJK U+4000–9FFF (E4–E9), Hangul syllables
 * U+AC00–D77F (EA B0–BF, EB, EC, ED 80–9D). Tests check every code point of these ranges.
 */
function inertLeads(): number[] {
  return [
    ...geU(V, 0xd0), ...leU(V, 0xd1), ...AND,
    ...geU(V, 0xe4), ...leU(V, 0xe9), ...AND, ...OR,
    ...geU(V, 0xeb), ...leU(V, 0xec), ...AND, ...OR,
    ...eq(V, 0xea), ...geU(V1, 0xb0), ...AND, ...OR,
    ...eq(V, 0xed), ...ltU(V1, 0x9e), ...AND, ...OR,
    ...eq(V, 0xe3),
    ...eq(V1, 0x80), ...geU(V2, 0xaa), ...AND, ...leU(V2, 0xaf), ...AND,
    ...eq(V1, 0x82), ...eq(V2, 0x99), ...eq(V2, 0x9a), ...OR, ...AND, ...OR,
    ...ANDNOT, ...OR,
  ];
}

function loop(inner: number[]): number[] {
  return [
    ...BYTES.flatMap((b) => [...simd(0x0c), ...new Array<number>(16).fill(b), ...set(C(b))]),
    0x02, 0x40, // block $out
    0x03, 0x40, // loop $L
    ...get(P), ...get(END), 0x4f, 0x0d, 1, // p >= end: br $out
    ...vload(0), ...set(V),
    ...vload(1), ...set(V1),
    ...vload(2), ...set(V2),
    ...inner,
    ...get(P), 0x41, 16, 0x6a, ...set(P),
    0x0c, 0, // br $L
    0x0b, 0x0b, // end loop, end block
  ];
}

/** f(start, end): 1 at the first byte where whitespace or control-character work may start ("maybe"), else 0. */
function scanBody(): number[] {
  const inner = [...hardFlags(), ...softFlags(), ...OR, ...ANY, 0x04, 0x40, ...[0x41, 1], 0x0f, 0x0b]; // if any: return 1
  return [...LOCALS, ...loop(inner), 0x41, 0, 0x0b];
}

/**
 * s(start, end): the position of the first byte in [start, end) where whitespace work may start
 * (two spaces, a space before an escaped newline, a backslash before t or r), or `end`.
 */
function softBody(): number[] {
  const inner = [
    ...softFlags(), ...BITMASK, 0x22, SCRATCH, // local.tee scratch
    0x04, 0x40, // if any
    ...get(P), ...get(SCRATCH), 0x68, 0x6a, // p + ctz(mask)
    0x22, SCRATCH, ...get(END), 0x49, 0x04, 0x7f, ...get(SCRATCH), 0x05, ...get(END), 0x0b, // pos < end ? pos : end (select via if/else)
    0x0f, // return
    0x0b, // end if
  ];
  return [...LOCALS, ...loop(inner), ...get(END), 0x0b];
}

/**
 * g(start, end): the flags over the whole range (bit 0: work that cannot be done on the bytes may
 * start; bit 1: whitespace work may start, as in s) and, written at address 0, what the UTF-16
 * length of a JSON string's text and its NFC need: continuation bytes (10xxxxxx), 4-byte sequence
 * leads (F0–F4: a surrogate pair each), backslashes, whether two backslashes stand together
 * (escapes are then counted exactly in JavaScript), lead bytes of code points from U+0300 on (CC and
 * above: the only ones NFC can touch), how many of those are known inert, and the number of `\u`
 * escapes.
 */
function scanCountBody(): number[] {
  const count = (local: number, test: number[]): number[] => [...get(local), ...test, ...BITMASK, 0x69, 0x6a, ...set(local)]; // popcnt, add
  const store = (local: number, offset: number): number[] => [0x41, 0, ...get(local), 0x36, 2, ...uleb(offset)]; // i32.store
  const inner = [
    // raw bytes below 0x20, DEL; two spaces, a space before an escaped newline
    ...get(HARD), ...ltU(V, 0x20), ...eq(V, 0x7f), ...OR, ...OR, ...set(HARD),
    ...get(SOFT), ...spaceFlags(), ...OR, ...set(SOFT),
    // escapes, only where the block has a backslash
    ...eq(V, 0x5c), ...BITMASK, 0x22, SCRATCH, 0x04, 0x40, // local.tee scratch; if
    ...get(BS), ...get(SCRATCH), 0x69, 0x6a, ...set(BS), // bs += popcnt(mask)
    ...get(PAIRS), ...eq(V, 0x5c), ...eq(V1, 0x5c), ...AND, ...BITMASK, 0x72, ...set(PAIRS), // i32.or
    // \u escapes are counted here (the caller checks what they encode), any other unknown one is hard
    ...get(HARD), ...badEscapes([...SIMPLE_ESCAPES, 0x75]), ...OR, ...set(HARD),
    ...get(SOFT), ...tabCrFlags(), ...OR, ...set(SOFT),
    ...count(UNI, [...eq(V, 0x5c), ...eq(V1, 0x75), ...AND]),
    0x0b, // end if
    // the rest only where the block has a byte from 0x80 on (its top bit)
    ...get(V), ...BITMASK, 0x04, 0x40, // if
    ...get(HARD), ...hardHighFlags(), ...OR, ...set(HARD),
    ...count(CONT, [...get(V), ...get(C(0xc0)), ...AND, ...get(C(0x80)), ...simd(0x23)]),
    ...count(FOUR, geU(V, 0xf0)),
    ...count(HIGH, geU(V, 0xcc)),
    ...count(INERT, inertLeads()),
    0x0b, // end if
  ];
  return [
    ...LOCALS,
    ...loop(inner),
    ...store(CONT, 0), ...store(FOUR, 4), ...store(BS, 8), ...store(PAIRS, 12), ...store(HIGH, 16), ...store(INERT, 20), ...store(UNI, 24),
    // any(hard) | (any(soft) << 1)
    ...get(HARD), ...ANY, ...get(SOFT), ...ANY, 0x41, 1, 0x74, 0x72,
    0x0b,
  ];
}

/** f, g and s: (start, end) → number. */
type KernelFn = (start: number, end: number) => number;

interface Kernel {
  readonly scan: KernelFn;
  readonly count: KernelFn;
  readonly soft: KernelFn;
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
              { name: "f", params: [I32, I32], results: [I32], body: scanBody() },
              { name: "g", params: [I32, I32], results: [I32], body: scanCountBody() },
              { name: "s", params: [I32, I32], results: [I32], body: softBody() },
            ],
            16,
          ),
        );
  kernel = exports ? { scan: exports.f as KernelFn, count: exports.g as KernelFn, soft: exports.s as KernelFn, memory: exports.m as WasmMemory, line: undefined } : null;
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
  /** Those of them in blocks whose code points NFC leaves alone in any context (see `inertLeads`). */
  readonly inert: number;
  /** Backslashes followed by `u` (`\u` escapes, unless the backslash is the second half of `\\`). */
  readonly unicode: number;
}

/** The pre-scan of a whole line together with its counts. */
export interface LineScan {
  /** As {@link jsonLineMayNeedWork}. */
  readonly mayNeedWork: boolean;
  /**
   * Whether all the work that may be needed is whitespace (spaces, `\t`, `\r`): no control
   * characters, and no escapes but `\n \" \\ \/ \t \r` and `\u` ones that
   * {@link onlyWhitespaceWorkJs} allows.
   */
  readonly onlyWhitespace: boolean;
  /** Counts over the whole line. */
  readonly counts: StringCounts;
}

/** {@link jsonLineMayNeedWork} and {@link stringCounts} of the whole line in one pass. */
export function scanLine(line: Uint8Array): LineScan {
  const wasm = load();
  if (wasm === null) {
    return { mayNeedWork: jsonLineMayNeedWorkJs(line), onlyWhitespace: onlyWhitespaceWorkJs(line), counts: stringCountsJs(line, 0, line.length) };
  }
  copyIn(wasm, line);
  const result = wasm.count(DATA, DATA + line.length);
  const counts = readCounts(wasm);
  // \u escapes are allowed where they encode something normalize leaves alone: checked one by one
  const onlyWhitespace = (result & 1) === 0 && (counts.unicode === 0 || onlyWhitespaceWorkJs(line));
  return { mayNeedWork: result !== 0, onlyWhitespace, counts };
}

function readCounts(wasm: Kernel): { -readonly [K in keyof StringCounts]: StringCounts[K] } {
  const out = new Int32Array(wasm.memory.buffer, 0, 7);
  return { cont: out[0] as number, four: out[1] as number, backslashes: out[2] as number, adjacentBackslashes: out[3] !== 0, high: out[4] as number, inert: out[5] as number, unicode: out[6] as number };
}

/**
 * The exact check behind {@link LineScan.onlyWhitespace}, escapes read in order. A `\u` escape is
 * allowed when it encodes something normalize leaves alone: from U+00A0 on (no C0/C1 control, no
 * DEL, no ASCII space hidden in an escape), not U+FEFF.
 */
export function onlyWhitespaceWorkJs(b: Uint8Array): boolean {
  const n = b.length;
  for (let p = 0; p < n; p++) {
    const c = b[p] as number;
    if (c === 0x5c) {
      const e = b[p + 1];
      if (e === 0x75) {
        if (uEscapeMayNeedWork(hex4(b, p + 2))) return false;
        p += 5;
        continue;
      }
      if (e !== 0x6e && e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x74 && e !== 0x72) return false;
      p++;
    } else if (c < 0x20 || c === 0x7f || (c === 0xc2 && (b[p + 1] as number) < 0xa0) || (c === 0xef && b[p + 1] === 0xbb && b[p + 2] === 0xbf)) return false;
  }
  return true;
}

/**
 * Counts over `line[start, end)`, in WebAssembly SIMD when the line was the last one given to
 * {@link jsonLineMayNeedWork} or {@link scanLine} (its bytes are still in the kernel's memory),
 * else in JavaScript.
 */
export function stringCounts(line: Uint8Array, start: number, end: number): StringCounts {
  const wasm = load();
  if (wasm === null || wasm.line !== line) return stringCountsJs(line, start, end);
  wasm.count(DATA + start, DATA + end);
  const counts = readCounts(wasm);
  // the loop reads whole 16-byte blocks: take back what it counted past `end` (a backslash pair
  // seen there only makes the caller count escapes one by one)
  const blocksEnd = start + Math.ceil((end - start) / 16) * 16;
  const mem = new Uint8Array(wasm.memory.buffer, DATA, line.length + PAD);
  for (let i = end; i < blocksEnd; i++) {
    const b = mem[i] as number;
    if ((b & 0xc0) === 0x80) counts.cont--;
    if (b >= 0xf0) counts.four--;
    if (b === 0x5c) {
      counts.backslashes--;
      if (mem[i + 1] === 0x75) counts.unicode--;
    }
    if (b >= 0xcc) counts.high--;
    if (isInertLead(b, mem[i + 1] as number, mem[i + 2] as number)) counts.inert--;
  }
  return counts;
}

/**
 * The first position in `line[start, end)` where whitespace work may start (two spaces, a space
 * before an escaped newline, a backslash before t or r), or `end`; `undefined` when the line is not
 * the one in the kernel's memory (the caller then searches itself).
 */
export function softWorkAt(line: Uint8Array, start: number, end: number): number | undefined {
  const wasm = load();
  if (wasm === null || wasm.line !== line) return undefined;
  return wasm.soft(DATA + start, DATA + end) - DATA;
}

/** The same counts in JavaScript (no WebAssembly, and the reference the tests compare with). */
export function stringCountsJs(line: Uint8Array, start: number, end: number): StringCounts {
  let [cont, four, backslashes, high, inert, unicode] = [0, 0, 0, 0, 0, 0];
  let adjacentBackslashes = false;
  for (let i = start; i < end; i++) {
    const b = line[i] as number;
    if (b < 0x80) {
      if (b === 0x5c) {
        backslashes++;
        if (line[i + 1] === 0x5c) adjacentBackslashes = true;
        if (line[i + 1] === 0x75) unicode++;
      }
      continue;
    }
    if ((b & 0xc0) === 0x80) cont++;
    if (b >= 0xf0) four++;
    if (b >= 0xcc) {
      high++;
      if (isInertLead(b, line[i + 1] ?? 0, line[i + 2] ?? 0)) inert++;
    }
  }
  return { cont, four, backslashes, adjacentBackslashes, high, inert, unicode };
}

/**
 * Whether a `\u` escape of code unit `cp` (-1: not four hex digits) may need normalize's work:
 * controls, DEL, C1, U+FEFF, and ASCII (a space or tab hidden in an escape).
 */
function uEscapeMayNeedWork(cp: number): boolean {
  return cp < 0xa0 || cp === 0xfeff;
}

/** The code unit of the 4 hex digits at `at`, or -1 when they are not 4 hex digits. */
export function hex4(b: Uint8Array, at: number): number {
  let v = 0;
  for (let i = at; i < at + 4; i++) {
    const c = b[i] ?? 0;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** The lead-byte rule of `inertLeads`, for one position. */
export function isInertLead(b: number, b1: number, b2: number): boolean {
  if (b === 0xd0 || b === 0xd1 || (b >= 0xe4 && b <= 0xe9) || b === 0xeb || b === 0xec) return true;
  if (b === 0xea) return b1 >= 0xb0;
  if (b === 0xed) return b1 < 0x9e;
  if (b === 0xe3) return !((b1 === 0x80 && b2 >= 0xaa && b2 <= 0xaf) || (b1 === 0x82 && (b2 === 0x99 || b2 === 0x9a)));
  return false;
}

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
        if (uEscapeMayNeedWork(hex4(b, p + 2))) return true;
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
