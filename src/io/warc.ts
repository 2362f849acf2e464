import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import type { Doc, DocSource } from "../core/doc.js";
import { decodeHtmlBytes } from "../core/text/charset.js";
import { StreamDamage, fileBytes } from "./bytes.js";
import type { RawTally } from "./bytes.js";
import type { Compression } from "./compression.js";
import { type Piece, type Segment, gzipSegments, isDamage, plainSegments } from "./gzip-members.js";
import type { RecordOptions, RecordSink } from "./records.js";

/**
 * WARC reader (ISO 28500, WARC/1.0 and 1.1; Common Crawl WARC and WET files).
 *
 * Records are framed by their `Content-Length`, and every framing is checked: a record must be
 * followed by its CRLF CRLF and then by the next `WARC/` line or the end of the file. A record that
 * fails (bad or missing length, garbage, a header that never ends) is reported with its byte
 * offset and reading resumes at the next line that starts with `WARC/1.`. `.warc.gz` files are
 * read gzip member by member (one member per record, as Common Crawl writes them), so a damaged
 * member costs only itself.
 *
 * What becomes a document:
 * - `response` records whose HTTP `Content-Type` is HTML (`text/html`, `application/xhtml+xml`;
 *   sniffed from the payload when the header is missing), and `resource` records of those types:
 *   text is the decoded HTML (see `decodeHtmlBytes` for the charset rules);
 * - `conversion` records (WET files): text is the extracted plain text (UTF-8).
 *
 * Not documents, counted in the reader's counters (`warc_<type>`), never in the ledger:
 * `warcinfo`, `request`, `metadata`, `revisit` and `continuation` records. They are not captures
 * of a page's content, so they are not records of the corpus.
 *
 * Documents that were not kept (ledger, reason codes): `not_html` (a response of another content
 * type; the type is in the detail), `empty_payload` (no body, e.g. redirects), `malformed_http`
 * (no HTTP status line or headers), `bad_content_encoding` (a gzip/deflate/br body that does not
 * decompress), `malformed_warc` (framing), `truncated_input`, `corrupt_input` (gzip damage),
 * `record_too_large` (block longer than `input.maxRecordBytes`).
 */

const HEADER_MAX = 64 * 1024;
const CRLF2 = Buffer.from("\r\n\r\n");
const LF2 = Buffer.from("\n\n");
const WARC_LINE = Buffer.from("WARC/1.");
const WARC_PREFIX = Buffer.from("WARC/");
const EMPTY = Buffer.alloc(0);
const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);
const NOT_DOCUMENTS = new Set(["warcinfo", "request", "metadata", "revisit", "continuation"]);

/** A framed WARC record: its headers (names lower-cased) and content block. */
export interface WarcRecord {
  /** Offset on disk (see {@link Segment}) and index of the record in its file. */
  readonly offset: number;
  readonly index: number;
  readonly headers: ReadonlyMap<string, string>;
  /** A view of the decompressed piece that holds it (pieces are never reused), or a copy when that piece is much larger. */
  readonly block: Buffer;
}

/** A stretch of input that is not a readable record. */
export interface WarcDamage {
  readonly offset: number;
  readonly reason: "malformed_warc" | "truncated_input" | "corrupt_input" | "record_too_large";
  readonly message: string;
  readonly raw?: string;
}

export type WarcItem = { readonly record: WarcRecord } | { readonly damage: WarcDamage };

/**
 * Decompressed bytes near the front of the stream, pulled from pieces on demand and kept as the
 * pieces came (one buffer per gzip member, or per read of a plain file): a record inside one piece
 * is read without copying; only a range that spans pieces is copied, when it is asked for.
 */
class Queue {
  /** Buffered pieces in stream order; `chunks[k]` starts at stream position `ats[k]`. */
  private chunks: Buffer[] = [];
  private ats: number[] = [];
  /** Stream position after the last buffered byte. */
  end = 0;
  eof = false;
  /** Member starts (stream position → offset on disk), for offsets of records. */
  private starts: { at: number; raw: number }[] = [];
  private plain = true;
  readonly damages: { at: number; damage: Piece & { damage: string } }[] = [];
  private readonly it: AsyncIterator<Piece>;

  constructor(pieces: AsyncIterable<Piece>) {
    this.it = pieces[Symbol.asyncIterator]();
  }

  /** Buffers bytes up to stream position `end`, unless the input ends first. */
  async fill(end: number): Promise<void> {
    while (this.end < end && !this.eof) {
      const next = await this.it.next();
      if (next.done) {
        this.eof = true;
        break;
      }
      const piece = next.value;
      if (isDamage(piece)) {
        this.damages.push({ at: this.end, damage: piece });
        continue;
      }
      const segment: Segment = piece;
      const have = this.end;
      if (segment.member || segment.raw !== have) this.plain = false;
      if (segment.member || this.starts.length === 0 || !this.plain) {
        const last = this.starts[this.starts.length - 1];
        if (segment.member || last === undefined || last.raw !== segment.raw) this.starts.push({ at: have, raw: segment.raw });
      }
      if (segment.data.length === 0) continue;
      this.chunks.push(segment.data);
      this.ats.push(have);
      this.end = have + segment.data.length;
    }
  }

  /** Drops bytes before stream position `at`. */
  consume(at: number): void {
    let drop = 0;
    while (drop < this.chunks.length && (this.ats[drop] as number) + (this.chunks[drop] as Buffer).length <= at) drop++;
    if (drop > 0) {
      this.chunks.splice(0, drop);
      this.ats.splice(0, drop);
    }
    const first = this.chunks[0];
    const firstAt = this.ats[0] as number;
    if (first !== undefined && firstAt < at) {
      this.chunks[0] = first.subarray(at - firstAt);
      this.ats[0] = at;
    }
    while (this.starts.length > 1 && (this.starts[1] as { at: number }).at <= at) this.starts.shift();
  }

  /** Offset on disk of the record starting at stream position `at`. */
  rawOffset(at: number): number {
    if (this.plain) return at;
    let best: { at: number; raw: number } | undefined;
    for (const s of this.starts) if (s.at <= at) best = s;
    if (best === undefined) return at;
    return best.at === at ? best.raw : best.raw + (at - best.at);
  }

  isMemberStart(at: number): boolean {
    return this.starts.some((s) => s.at === at);
  }

  /** Index of the chunk holding stream position `at`, or -1. */
  private chunkAt(at: number): number {
    for (let k = 0; k < this.chunks.length; k++) {
      const from = this.ats[k] as number;
      if (at < from) return -1;
      if (at < from + (this.chunks[k] as Buffer).length) return k;
    }
    return -1;
  }

  byte(at: number): number | undefined {
    const k = this.chunkAt(at);
    return k === -1 ? undefined : (this.chunks[k] as Buffer)[at - (this.ats[k] as number)];
  }

  /** Bytes from `from` to `to` (cut at the end of the buffered data): a view when they lie in one piece, else a copy. */
  slice(from: number, to: number): Buffer {
    const end = Math.min(to, this.end);
    const k = this.chunkAt(from);
    if (k === -1 || end <= from) return EMPTY;
    const chunk = this.chunks[k] as Buffer;
    const at = this.ats[k] as number;
    if (end <= at + chunk.length) return chunk.subarray(from - at, end - at);
    const parts: Buffer[] = [chunk.subarray(from - at)];
    for (let j = k + 1; j < this.chunks.length && (this.ats[j] as number) < end; j++) parts.push((this.chunks[j] as Buffer).subarray(0, end - (this.ats[j] as number)));
    return Buffer.concat(parts);
  }

  /** Whether the bytes at `at` are `bytes`. */
  startsWith(bytes: Buffer, at: number): boolean {
    return this.slice(at, at + bytes.length).equals(bytes);
  }

  /** Stream position of the first `needle` starting at or after `from` and ending by `to`, or -1. */
  indexOf(needle: Buffer, from: number, to = this.end): number {
    const end = Math.min(to, this.end);
    const m = needle.length;
    if (end - from < m) return -1;
    for (let k = Math.max(0, this.chunkAt(from)); k < this.chunks.length; k++) {
      const chunk = this.chunks[k] as Buffer;
      const at = this.ats[k] as number;
      if (at >= end) break;
      const s = Math.max(from, at) - at;
      const e = Math.min(end, at + chunk.length) - at;
      if (e - s >= m) {
        const i = chunk.subarray(0, e).indexOf(needle, s);
        if (i !== -1) return at + i;
      }
      // a match that starts in this piece's last m - 1 bytes and runs into the next
      if (e === chunk.length && at + e < end && m > 1) {
        const bridgeFrom = at + Math.max(s, e - (m - 1));
        const i = this.slice(bridgeFrom, Math.min(end, at + e + m - 1)).indexOf(needle);
        if (i !== -1) return bridgeFrom + i;
      }
    }
    return -1;
  }
}

/** Frames WARC records from decompressed pieces; never throws for bad data. */
export async function* frameWarc(pieces: AsyncIterable<Piece>, maxRecordBytes: number): AsyncIterable<WarcItem> {
  const q = new Queue(pieces);
  let index = 0;
  let pos = 0;
  /** Set when the framer reported the end of the file inside a record: the gzip layer's own truncation report is then the same fact. */
  let truncatedRecord = false;
  const flushDamages = function* (upTo: number): Generator<WarcItem> {
    while (q.damages.length > 0 && (q.damages[0] as { at: number }).at <= upTo) {
      const { damage } = q.damages.shift() as { damage: Piece & { damage: "truncated_input" | "corrupt_input"; raw: number; message: string } };
      if (truncatedRecord && damage.damage === "truncated_input") continue;
      yield { damage: { offset: damage.raw, reason: damage.damage, message: damage.message } };
    }
  };

  /** Next position ≥ `from` where a `WARC/1.` line starts, or -1 at end of input. */
  async function resync(from: number): Promise<number> {
    let at = from;
    for (;;) {
      await q.fill(at + (1 << 20));
      let i = q.indexOf(WARC_LINE, at);
      while (i !== -1 && !(i === 0 || q.byte(i - 1) === 10 || q.isMemberStart(i))) i = q.indexOf(WARC_LINE, i + 1);
      if (i !== -1) return i;
      if (q.eof) return -1;
      at = Math.max(at, q.end - WARC_LINE.length);
      q.consume(at);
    }
  }

  for (;;) {
    // skip blank lines between records
    await q.fill(pos + 4096);
    while (pos < q.end && (q.byte(pos) === 13 || q.byte(pos) === 10)) {
      pos++;
      if (pos >= q.end) await q.fill(pos + 4096);
    }
    yield* flushDamages(pos);
    q.consume(pos);
    if (pos >= q.end) {
      await q.fill(pos + 1);
      if (pos >= q.end) break;
    }
    const start = pos;
    const offset = q.rawOffset(start);
    await q.fill(start + HEADER_MAX);
    let headerEnd = q.indexOf(CRLF2, start, start + HEADER_MAX);
    let sep = 4;
    const lfEnd = q.indexOf(LF2, start, headerEnd === -1 ? start + HEADER_MAX : headerEnd);
    if (lfEnd !== -1 && (headerEnd === -1 || lfEnd < headerEnd)) {
      headerEnd = lfEnd;
      sep = 2;
    }
    const bad = async (message: string, resumeFrom: number, reason: WarcDamage["reason"] = "malformed_warc"): Promise<WarcItem> => {
      const raw = q.slice(start, Math.min(q.end, start + 512)).toString("latin1");
      const next = await resync(resumeFrom);
      pos = next === -1 ? q.end : next;
      const skipped = next === -1 ? "no further record in the file" : `resuming at the next record, ${next - start} bytes on`;
      return { damage: { offset, reason, message: `${message}; ${skipped}`, raw } };
    };
    if (!q.startsWith(WARC_PREFIX, start)) {
      yield await bad(`expected a \`WARC/1.x\` version line, found ${JSON.stringify(q.slice(start, Math.min(q.end, start + 24)).toString("latin1"))}`, start + 1);
      index++;
      continue;
    }
    if (headerEnd === -1) {
      if (q.eof && q.end - start < HEADER_MAX) {
        yield { damage: { offset, reason: "truncated_input", message: `the file ends inside the headers of a WARC record (${q.end - start} bytes)` } };
        truncatedRecord = true;
        pos = q.end;
        index++;
        continue;
      }
      yield await bad(`WARC headers do not end (no blank line within ${HEADER_MAX} bytes)`, start + 1);
      index++;
      continue;
    }
    const headers = parseHeaders(q.slice(start, headerEnd).toString("latin1"));
    const lengthText = headers.get("content-length");
    const length = lengthText !== undefined && /^\d{1,15}$/.test(lengthText) ? Number(lengthText) : NaN;
    if (!Number.isFinite(length)) {
      yield await bad(`expected a numeric Content-Length header, found ${lengthText === undefined ? "none" : JSON.stringify(lengthText)}`, headerEnd);
      index++;
      continue;
    }
    const blockStart = headerEnd + sep;
    const blockEnd = blockStart + length;
    if (length > maxRecordBytes) {
      // skip the block without holding it
      let at = blockStart;
      while (at < blockEnd) {
        q.consume(at);
        await q.fill(Math.min(blockEnd, at + (1 << 20)));
        if (q.end <= at) break;
        at = Math.min(blockEnd, q.end);
      }
      yield { damage: { offset, reason: "record_too_large", message: `WARC record block of ${length} bytes exceeds input.maxRecordBytes (${maxRecordBytes})` } };
      pos = Math.min(blockEnd, q.end);
      index++;
      continue;
    }
    await q.fill(blockEnd + 4 + WARC_LINE.length);
    if (q.end < blockEnd) {
      const next = await resync(blockStart);
      if (next === -1) {
        yield { damage: { offset, reason: "truncated_input", message: `the file ends inside a WARC record: Content-Length is ${length}, ${q.end - blockStart} bytes follow the headers` } };
        truncatedRecord = true;
        pos = q.end;
      } else {
        yield { damage: { offset, reason: "malformed_warc", message: `Content-Length ${length} runs past the end of the data; resuming at the next record, ${next - start} bytes on` } };
        pos = next;
      }
      index++;
      continue;
    }
    // the block must be followed by CRLF CRLF, or else (tolerated: 0–4 line-end bytes) by the next record or the end
    let after = blockEnd;
    while (after < blockEnd + 4 && (q.byte(after) === 13 || q.byte(after) === 10)) after++;
    const endsWell = q.slice(blockEnd, blockEnd + 4).equals(CRLF2) || (after >= q.end ? q.eof : q.startsWith(WARC_PREFIX, after));
    if (!endsWell) {
      yield await bad(`Content-Length ${length} does not end at the record's end (expected CRLF CRLF and the next \`WARC/\` line after the block)`, blockStart);
      index++;
      continue;
    }
    // a view into the piece that holds it (per-record gzip: the record's own member), unless that would keep a much larger buffer alive
    const view = q.slice(blockStart, blockEnd);
    const block = view.buffer.byteLength > 2 * view.length + 65536 ? Buffer.from(view) : view;
    yield { record: { offset, index, headers, block } };
    index++;
    pos = after;
  }
  yield* flushDamages(Number.MAX_SAFE_INTEGER);
}

/**
 * `Name: value` lines after the first line (lines end at LF or CRLF); names lower-cased, names and
 * values trimmed; a line that starts with a space or tab continues the previous header.
 */
export function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  let last: string | undefined;
  const first = text.indexOf("\n");
  if (first === -1) return headers;
  for (let start = first + 1; start <= text.length; ) {
    const eol = text.indexOf("\n", start);
    let end = eol === -1 ? text.length : eol;
    if (eol !== -1 && end > start && text.charCodeAt(end - 1) === 13) end--;
    const next = eol === -1 ? text.length + 1 : eol + 1;
    if (end > start) {
      const c = text.charCodeAt(start);
      if ((c === 32 || c === 9) && last !== undefined) {
        headers.set(last, `${headers.get(last) ?? ""} ${text.slice(start, end).trim()}`);
      } else {
        const colon = text.indexOf(":", start);
        if (colon > start && colon < end) {
          last = text.slice(start, colon).trim().toLowerCase();
          // repeated headers: keep the first (WARC-Target-URI, Content-Type are single-valued)
          if (!headers.has(last)) headers.set(last, text.slice(colon + 1, end).trim());
        }
      }
    }
    start = next;
  }
  return headers;
}

/** The HTTP message inside a response block: status, headers, payload. */
export interface HttpMessage {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly payload: Buffer;
}

/** Parses `HTTP/1.1 200 OK` + headers + body; `undefined` when the block is not an HTTP response. */
export function parseHttp(block: Buffer): HttpMessage | undefined {
  const limit = Math.min(block.length, HEADER_MAX);
  let end = block.indexOf(CRLF2);
  let sep = 4;
  const lf = block.subarray(0, end === -1 ? limit : end).indexOf(LF2);
  if (lf !== -1) {
    end = lf;
    sep = 2;
  }
  const head = block.subarray(0, end === -1 ? Math.min(block.length, limit) : Math.min(end, limit)).toString("latin1");
  const m = /^HTTP\/\d(?:\.\d)?[ \t]+(\d{3})/.exec(head);
  if (!m || (end === -1 && block.length > limit)) return undefined;
  return { status: Number(m[1]), headers: parseHeaders(head), payload: end === -1 ? Buffer.alloc(0) : block.subarray(end + sep) };
}

/** Removes HTTP chunked transfer coding; `undefined` when the body is not validly chunked. */
export function dechunk(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", pos);
    if (eol === -1 || eol - pos > 32) return undefined;
    const size = Number.parseInt(body.subarray(pos, eol).toString("latin1").split(";")[0] ?? "", 16);
    if (!Number.isFinite(size) || size < 0) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (start + size > body.length) return undefined;
    parts.push(body.subarray(start, start + size));
    pos = start + size + 2;
    if (pos > body.length) return Buffer.concat(parts);
  }
}

function decodeContentEncoding(body: Buffer, encoding: string, maxOutputLength: number): Buffer {
  const options = { maxOutputLength };
  switch (encoding) {
    case "gzip":
    case "x-gzip":
      return gunzipSync(body, options);
    case "deflate":
      try {
        return inflateSync(body, options);
      } catch {
        return inflateRawSync(body, options);
      }
    case "br":
      return brotliDecompressSync(body, options);
    default:
      return body;
  }
}

/** The MIME type without parameters, lower-cased. */
function mimeOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const mime = contentType.split(";")[0]?.trim().toLowerCase();
  return mime || undefined;
}

/** Whether a payload looks like HTML (for responses without a Content-Type). */
function looksLikeHtml(payload: Buffer): boolean {
  const head = payload.subarray(0, 1024).toString("latin1").trimStart().toLowerCase();
  return head.startsWith("<!doctype html") || head.startsWith("<html") || /<(?:html|head|body)[\s>]/.test(head);
}

/** Settings the WARC reader takes from the input section. */
export interface WarcReadOptions {
  readonly records: RecordOptions;
  readonly sink: RecordSink;
}

/**
 * Reads a WARC/WET file into documents (see the module comment for what becomes one). Documents:
 * `id` = WARC-Record-ID (without angle brackets), metadata `url`, `date`, `warc_record_id`,
 * `warc_truncated` (when the crawler cut the payload), `warc_type` (for `resource`/`conversion`),
 * `http_status`, `content_type`, `charset`, `charset_source`; source `{file, offset, record}`.
 */
export async function* readWarc(path: string, compression: Compression, tally: RawTally, options: WarcReadOptions): AsyncIterable<Doc> {
  const { records, sink } = options;
  const file = records.file;
  const pieces: AsyncIterable<Piece> =
    // a member inflating beyond this is taken for a file gzipped as one stream (or a bomb) and streamed
    compression === "gzip" ? gzipSegments(path, tally, Math.min(Math.max(records.maxRecordBytes * 2, 64 << 20), 2 ** 31 - 1)) : compression === "none" ? plainSegments(path, tally) : streamPieces(path, compression, tally);
  const keep = records.metaFields ? new Set(records.metaFields) : undefined;
  for await (const item of frameWarc(pieces, records.maxRecordBytes)) {
    if ("damage" in item) {
      const d = item.damage;
      sink.bad({ id: `${file}@${d.offset}`, source: { file, offset: d.offset }, reason: d.reason, message: `${file}@${d.offset}: ${d.message}`, ...(d.raw !== undefined ? { raw: d.raw } : {}) });
      continue;
    }
    const rec = item.record;
    const type = (rec.headers.get("warc-type") ?? "").toLowerCase();
    if (NOT_DOCUMENTS.has(type)) {
      sink.count(`warc_${type}`);
      continue;
    }
    const source: DocSource = { file, offset: rec.offset, record: rec.index };
    const recordId = (rec.headers.get("warc-record-id") ?? "").replace(/^<|>$/g, "");
    const id = recordId || `${file}#${rec.index}`;
    const url = rec.headers.get("warc-target-uri")?.replace(/^<|>$/g, "");
    const where = `${file}@${rec.offset}`;
    const fail = (reason: string, message: string, value?: string): void => {
      sink.bad({ id, source, reason, message: `${where} (${id}): ${message}`, ...(value !== undefined ? { raw: value } : {}) });
    };
    const meta: Record<string, unknown> = {};
    const put = (key: string, value: unknown): void => {
      if (value !== undefined && (keep === undefined || keep.has(key))) meta[key] = value;
    };
    put("url", url);
    put("date", rec.headers.get("warc-date"));
    // the crawler cut the payload (`length`, `time`, …): the page may be incomplete
    put("warc_truncated", rec.headers.get("warc-truncated"));
    if (recordId) put("warc_record_id", recordId);
    let payload: Buffer;
    let contentType: string | undefined;
    if (type === "response") {
      const http = parseHttp(rec.block);
      if (http === undefined) {
        fail("malformed_http", "expected an HTTP status line and headers in the response record");
        continue;
      }
      put("http_status", http.status);
      contentType = http.headers.get("content-type");
      payload = http.payload;
      if (/\bchunked\b/i.test(http.headers.get("transfer-encoding") ?? "")) {
        const plain = dechunk(payload);
        if (plain !== undefined) payload = plain;
        else sink.count("dechunk_failed");
      }
      const encoding = (http.headers.get("content-encoding") ?? "").trim().toLowerCase();
      if (encoding !== "" && encoding !== "identity" && payload.length > 0) {
        try {
          payload = decodeContentEncoding(payload, encoding, records.maxRecordBytes);
        } catch (cause) {
          // crawlers (Common Crawl among them) often store the decoded body and keep the header
          if (looksLikeHtml(payload)) sink.count("content_encoding_already_decoded");
          else {
            fail("bad_content_encoding", `cannot decode Content-Encoding ${encoding}: ${(cause as Error).message}`);
            continue;
          }
        }
      }
    } else if (type === "resource" || type === "conversion") {
      put("warc_type", type);
      contentType = rec.headers.get("content-type");
      payload = rec.block;
    } else {
      sink.count(`warc_${type || "untyped"}`);
      continue;
    }
    if (payload.length === 0) {
      fail("empty_payload", "the record has no payload");
      continue;
    }
    const mime = mimeOf(contentType);
    const isText = type === "conversion" && (mime === undefined || mime === "text/plain");
    const isHtml = !isText && (mime !== undefined ? HTML_TYPES.has(mime) : looksLikeHtml(payload));
    if (!isText && !isHtml) {
      fail("not_html", `content type ${mime ?? "missing"} is not HTML`, mime ?? "");
      continue;
    }
    put("content_type", mime ?? "text/html");
    let text: string;
    if (isText) {
      text = payload.toString("utf8");
    } else {
      const decoded = decodeHtmlBytes(payload, contentType);
      text = decoded.text;
      put("charset", decoded.charset);
      put("charset_source", decoded.source);
      if (decoded.replaced > 0) sink.count("charset_replaced_chars", decoded.replaced);
    }
    yield { id, text, meta, source };
  }
}

async function* streamPieces(path: string, compression: Compression, tally: RawTally): AsyncIterable<Piece> {
  try {
    for await (const data of fileBytes(path, compression, tally)) yield { data, raw: 0, member: false };
  } catch (error) {
    if (!(error instanceof StreamDamage)) throw error;
    yield { damage: error.reason, raw: 0, message: `${error.message} (after ${error.offset} decompressed bytes)` };
  }
}
