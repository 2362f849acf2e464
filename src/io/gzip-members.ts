import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { constants, createGunzip, crc32, inflateRawSync } from "node:zlib";
import { PipelineError } from "../errors.js";
import type { RawTally } from "./bytes.js";

/**
 * Decompressed bytes of a file, in order. `raw` is where they come from on disk: for a gzip member
 * read whole, the member's first byte (`member: true`, the offset CDX indexes give); for plain
 * files, the offset of `data[0]`; for a stream decompressed as a whole, where that stream began.
 */
export interface Segment {
  readonly data: Buffer;
  readonly raw: number;
  readonly member: boolean;
}

/** Damaged compressed data: where it starts on disk, what happened, and how many bytes were skipped. */
export interface GzipDamage {
  readonly damage: "truncated_input" | "corrupt_input";
  readonly raw: number;
  readonly message: string;
}

export type Piece = Segment | GzipDamage;

export function isDamage(piece: Piece): piece is GzipDamage {
  return "damage" in piece;
}

const READ_SIZE = 1 << 20;
/** A member that has not ended within this many compressed bytes is read as a stream instead. */
const MAX_MEMBER_WINDOW = 64 << 20;

/** Sequential reader of a file's raw bytes with a sliding buffer; counts and hashes every byte once. */
class RawFile {
  buf: Buffer = Buffer.alloc(0);
  /** File offset of `buf[0]`. */
  start = 0;
  eof = false;
  private fh: FileHandle | undefined;

  constructor(
    private readonly path: string,
    private readonly tally: RawTally,
  ) {}

  get end(): number {
    return this.start + this.buf.length;
  }

  /** Makes sure bytes up to `end` (exclusive) are buffered, unless the file is shorter. */
  async ensure(end: number): Promise<void> {
    if (this.end >= end || this.eof) return;
    this.fh ??= await this.openFile();
    const parts: Buffer[] = [this.buf];
    let have = this.end;
    while (have < end) {
      const chunk = Buffer.allocUnsafe(Math.max(READ_SIZE, end - have));
      let n: number;
      try {
        ({ bytesRead: n } = await this.fh.read(chunk, 0, chunk.length, null));
      } catch (cause) {
        throw new PipelineError("E_INPUT", `Cannot read input \`${this.path}\`: ${(cause as Error).message}`, { cause });
      }
      if (n === 0) {
        this.eof = true;
        break;
      }
      const got = chunk.subarray(0, n);
      this.tally.bytes += n;
      this.tally.hash.update(got);
      parts.push(got);
      have += n;
    }
    this.buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Forgets bytes before `offset`. */
  discard(offset: number): void {
    if (offset <= this.start) return;
    const cut = Math.min(offset - this.start, this.buf.length);
    this.buf = this.buf.subarray(cut);
    this.start += cut;
  }

  /** Bytes from `offset` to the end of the file, buffered first. */
  async *from(offset: number): AsyncIterable<Buffer> {
    this.discard(offset);
    if (this.buf.length > 0) yield this.buf;
    for (;;) {
      this.discard(this.end);
      await this.ensure(this.end + READ_SIZE);
      if (this.buf.length === 0) return;
      yield this.buf;
    }
  }

  private async openFile(): Promise<FileHandle> {
    try {
      return await open(this.path, "r");
    } catch (cause) {
      const err = cause as NodeJS.ErrnoException;
      throw new PipelineError("E_INPUT", `Cannot read input \`${this.path}\`: ${err.code ?? ""} ${err.message}`.trim(), { cause });
    }
  }

  async close(): Promise<void> {
    await this.fh?.close();
  }
}

/** Plain file: chunks as they are read. */
export async function* plainSegments(path: string, tally: RawTally): AsyncIterable<Piece> {
  const file = new RawFile(path, tally);
  try {
    for await (const data of file.from(0)) yield { data: Buffer.from(data), raw: file.start, member: false };
  } finally {
    await file.close();
  }
}

/** Length of a gzip member header at `buf[0]`, or -1 when it is not one (or is incomplete). */
function gzipHeaderLength(buf: Buffer): number {
  if (buf.length < 10 || buf[0] !== 0x1f || buf[1] !== 0x8b || buf[2] !== 8) return -1;
  const flags = buf[3] as number;
  if (flags & 0xe0) return -1;
  let p = 10;
  if (flags & 4) {
    if (buf.length < p + 2) return -1;
    p += 2 + buf.readUInt16LE(p);
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const zero = buf.indexOf(0, p);
      if (zero === -1) return -1;
      p = zero + 1;
    }
  }
  if (flags & 2) p += 2;
  return p <= buf.length ? p : -1;
}

const MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/**
 * A gzip file read member by member, so each member's offset on disk is known and a damaged member
 * costs only itself: reading resumes at the next member header. Members are inflated with zlib
 * (`inflateRawSync` over a window of the file); a member longer than 64 MiB compressed, or whose
 * output exceeds `maxOutput`, is taken as "the whole file is one stream" and everything from it on
 * is inflated as a stream (records inside still frame normally; offsets are then stream offsets).
 */
export async function* gzipSegments(path: string, tally: RawTally, maxOutput: number): AsyncIterable<Piece> {
  const file = new RawFile(path, tally);
  try {
    let pos = 0;
    for (;;) {
      await file.ensure(pos + 65536);
      file.discard(pos);
      if (file.buf.length === 0) return;
      const headerLength = gzipHeaderLength(file.buf);
      if (headerLength < 0) {
        // not a member header: a truncated header at the end, or garbage between members
        if (file.eof && file.buf.length < 18 && file.buf.subarray(0, 3).equals(MAGIC.subarray(0, Math.min(3, file.buf.length)))) {
          yield { damage: "truncated_input", raw: pos, message: `the file ends inside a gzip member header (${file.buf.length} bytes)` };
          return;
        }
        const next = await findMember(file, pos + 1);
        const trailingZeros = next === -1 && isAllZero(file, pos);
        if (!trailingZeros) {
          yield { damage: "corrupt_input", raw: pos, message: `expected a gzip member header, found ${describe(file.buf.subarray(0, 8))}; ${next === -1 ? "no further member in the file" : `skipped ${next - pos} bytes to the next member`}` };
        }
        if (next === -1) return;
        pos = next;
        continue;
      }
      // inflate the member over a growing window until its end is inside the window
      let window = Math.max(file.buf.length, READ_SIZE);
      let result: { out: Buffer; consumed: number; ended: boolean } | "stream" | { error: string };
      for (;;) {
        await file.ensure(pos + window);
        const input = file.buf.subarray(headerLength, Math.min(file.buf.length, window));
        result = inflateMember(input, maxOutput);
        if (result === "stream" || "error" in result || result.ended || file.eof) break;
        if (window >= MAX_MEMBER_WINDOW) {
          result = "stream";
          break;
        }
        window *= 2;
      }
      if (result === "stream") {
        yield* streamFrom(file, pos);
        return;
      }
      if ("error" in result) {
        const next = await findMember(file, pos + 1);
        yield { damage: "corrupt_input", raw: pos, message: `gzip member is damaged (${result.error}); ${next === -1 ? "no further member in the file" : `skipped ${next - pos} bytes to the next member`}` };
        if (next === -1) return;
        pos = next;
        continue;
      }
      const trailerAt = headerLength + result.consumed;
      const trailer = file.buf.subarray(trailerAt, trailerAt + 8);
      if (!result.ended || trailer.length < 8) {
        // the file ends inside this member: deliver what inflated, then report it
        if (result.out.length > 0) yield { data: result.out, raw: pos, member: true };
        yield { damage: "truncated_input", raw: pos, message: `the file ends inside a gzip member (${file.end - pos} bytes of it on disk, ${result.out.length} bytes inflated)` };
        return;
      }
      const crcOk = trailer.readUInt32LE(0) === crc32(result.out) && trailer.readUInt32LE(4) === result.out.length % 2 ** 32;
      if (!crcOk) {
        yield { damage: "corrupt_input", raw: pos, message: "gzip member fails its CRC-32/length check" };
      } else {
        yield { data: result.out, raw: pos, member: true };
      }
      pos += trailerAt + 8;
    }
  } finally {
    await file.close();
  }
}

function inflateMember(input: Buffer, maxOutput: number): { out: Buffer; consumed: number; ended: boolean } | "stream" | { error: string } {
  try {
    const { buffer, engine } = inflateRawSync(input, { info: true, finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const consumed = engine.bytesWritten;
    return { out: buffer, consumed, ended: consumed < input.length };
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) return "stream";
    return { error: err.message };
  }
}

/** Offset of the next plausible member header at or after `from`, reading ahead as needed; -1 at end of file. */
async function findMember(file: RawFile, from: number): Promise<number> {
  let at = from;
  for (;;) {
    await file.ensure(at + READ_SIZE);
    const i = file.buf.indexOf(MAGIC, Math.max(0, at - file.start));
    if (i !== -1) {
      const candidate = file.start + i;
      await file.ensure(candidate + 65536);
      const rel = candidate - file.start;
      if (gzipHeaderLength(file.buf.subarray(rel)) > 0) return candidate;
      at = candidate + 1;
      continue;
    }
    if (file.eof) return -1;
    at = Math.max(at, file.end - 2);
    file.discard(at);
  }
}

function isAllZero(file: RawFile, from: number): boolean {
  const rest = file.buf.subarray(from - file.start);
  for (const b of rest) if (b !== 0) return false;
  return file.eof;
}

function describe(bytes: Buffer): string {
  return bytes.length === 0 ? "nothing" : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Everything from `pos` on as one gzip stream (multi-member aware); damage ends the file. */
async function* streamFrom(file: RawFile, pos: number): AsyncIterable<Piece> {
  const gunzip = createGunzip({ chunkSize: 1 << 17 });
  const source = Readable.from(file.from(pos));
  source.pipe(gunzip);
  let delivered = 0;
  try {
    for await (const chunk of gunzip) {
      delivered += (chunk as Buffer).length;
      yield { data: chunk as Buffer, raw: pos, member: false };
    }
  } catch (cause) {
    const message = (cause as Error).message;
    const truncated = (cause as NodeJS.ErrnoException).code === "Z_BUF_ERROR" || /unexpected end/i.test(message);
    yield { damage: truncated ? "truncated_input" : "corrupt_input", raw: pos, message: `gzip stream starting at byte ${pos}: ${message} (after ${delivered} inflated bytes)` };
  } finally {
    source.destroy();
  }
}
