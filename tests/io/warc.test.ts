import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { WARCParser } from "warcio";
import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Doc } from "../../src/core/doc.js";
import { prng } from "../../src/core/hash.js";
import { newTally } from "../../src/io/bytes.js";
import type { Piece } from "../../src/io/gzip-members.js";
import type { BadRecord, RecordOptions } from "../../src/io/records.js";
import { type WarcItem, dechunk, frameWarc, parseHeaders, readWarc } from "../../src/io/warc.js";
import { tempDir } from "../helpers/files.js";
import { repoRoot } from "../helpers/run.js";

const fixtures = join(repoRoot, "fixtures/warc");

/** One WARC record with the given type, extra headers and block. */
function warc(type: string, block: Buffer | string, headers: Record<string, string> = {}): Buffer {
  const body = typeof block === "string" ? Buffer.from(block, "latin1") : block;
  const lines = [`WARC/1.0`, `WARC-Type: ${type}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`];
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body, Buffer.from("\r\n\r\n")]);
}

/** An HTTP response block. */
function http(body: Buffer | string, headers: Record<string, string> = { "Content-Type": "text/html" }, status = "200 OK"): Buffer {
  const head = [`HTTP/1.1 ${status}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), typeof body === "string" ? Buffer.from(body, "utf8") : body]);
}

function response(id: string, body: Buffer | string, headers?: Record<string, string>, status?: string): Buffer {
  return warc("response", http(body, headers, status), { "WARC-Record-ID": `<urn:uuid:${id}>`, "WARC-Target-URI": `http://example.com/${id}`, "WARC-Date": "2024-01-05T10:00:00Z", "Content-Type": "application/http; msgtype=response" });
}

const gz = (b: Buffer): Buffer => gzipSync(b);

interface Read {
  docs: Doc[];
  bad: BadRecord[];
  counters: Record<string, number>;
}

async function read(name: string, bytes: Buffer | null, opts: Partial<RecordOptions> = {}): Promise<Read> {
  let path: string;
  if (bytes === null) path = join(fixtures, name);
  else {
    path = join(await tempDir(), name);
    await writeFile(path, bytes);
  }
  const docs: Doc[] = [];
  const bad: BadRecord[] = [];
  const counters: Record<string, number> = {};
  const sink = { bad: (b: BadRecord) => bad.push(b), count: (k: string, n = 1) => void (counters[k] = (counters[k] ?? 0) + n) };
  const records: RecordOptions = { file: name, idField: "id", textField: "text", invalidUtf8: "drop", maxRecordBytes: 1 << 20, ...opts };
  const compression = name.endsWith(".gz") ? "gzip" : "none";
  for await (const doc of readWarc(path, compression, newTally(), { records, sink })) docs.push(doc);
  return { docs, bad, counters };
}

describe("WARC reader on real Common Crawl files", () => {
  it("reads the per-record gzip WARC: HTML responses become documents, other records are counted", async () => {
    const { docs, bad, counters } = await read("cc-sample.warc.gz", null);
    expect(docs.map((d) => [d.id, d.meta.url, d.meta.http_status, d.meta.content_type, d.meta.charset, d.source.offset, d.source.record])).toEqual([
      ["urn:uuid:d2ce4c32-7c09-477e-87c9-36e8e49ce467", "http://0pointer.de/photos/?gallery=Australia&photo=496", 200, "text/html", "utf-8", 2526, 5],
      ["urn:uuid:a448a920-781f-4f53-a5c6-ca9f215239c4", "http://0x20.be/Special:WhatLinksHere/Thread:Talk:Gentse_feesten/foo", 200, "text/html", "utf-8", 6583, 9],
    ]);
    expect(docs[0]?.meta.date).toBe("2014-08-21T05:52:58Z");
    expect(docs[0]?.text).toContain("<title>");
    expect(docs[0]?.text.length).toBeGreaterThan(7000);
    // the msn.com response is a redirect without a body
    expect(bad.map((b) => [b.reason, b.source.offset])).toEqual([["empty_payload", 1016]]);
    // the 0x20.be page is stored decoded under `Content-Encoding: gzip`, and was cut by the crawler
    expect(docs[1]?.meta.warc_truncated).toBe("length");
    expect(counters).toEqual({ warc_warcinfo: 1, warc_request: 4, warc_metadata: 3, content_encoding_already_decoded: 1 });
  });

  it("agrees with warcio on every record's type, id, target and offset", async () => {
    const path = join(fixtures, "cc-sample.warc.gz");
    const expected: [string, string, number][] = [];
    const parser = new WARCParser(createReadStream(path));
    for await (const record of parser) {
      expected.push([record.warcType ?? "", record.warcHeaders.headers.get("WARC-Record-ID") ?? "", parser.offset]);
      await record.readFully();
    }
    const seen: [string, string, number][] = [];
    const pieces = (await import("../../src/io/gzip-members.js")).gzipSegments(path, newTally(), 1 << 28);
    for await (const item of frameWarc(pieces, 1 << 27)) {
      if ("record" in item) seen.push([item.record.headers.get("warc-type") ?? "", item.record.headers.get("warc-record-id") ?? "", item.record.offset]);
    }
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(11);
  });

  it("reads WET conversion records as plain-text documents", async () => {
    const { docs, bad, counters } = await read("cc-sample.warc.wet", null);
    expect(docs.map((d) => [d.meta.url, d.meta.warc_type, d.meta.content_type])).toEqual([
      ["http://0pointer.de/photos/?gallery=Australia&photo=496", "conversion", "text/plain"],
      ["http://0pointer.de/photos/?gallery=Thailand%202011-01&photo=726&show_thumbs=yes&exif_style=", "conversion", "text/plain"],
      ["http://0x20.be/Special:WhatLinksHere/Thread:Talk:Gentse_feesten/foo", "conversion", "text/plain"],
    ]);
    expect(docs[0]?.text.startsWith("Photos\n[ style: dark classic gorilla ]\nPhoto Gallery\n")).toBe(true);
    expect(bad).toEqual([]);
    expect(counters).toEqual({ warc_warcinfo: 1 });
  });

  it("reads smart_open's record whose CRLF straddles a 1 KiB boundary", async () => {
    const { docs, bad } = await read("crlf_at_1k_boundary.warc.gz", null);
    expect(bad).toEqual([]);
    expect(docs.map((d) => [d.id, d.meta.http_status, d.meta.charset_source])).toEqual([["urn:uuid:00127f49-b6d8-413e-857b-5a7620368f88", 200, "header"]]);
    expect(docs[0]?.text.endsWith("</html>\r\n")).toBe(true);
  });

  it("keeps only input.metaFields", async () => {
    const { docs } = await read("cc-sample.warc.gz", null, { metaFields: ["url"] });
    expect(docs.map((d) => Object.keys(d.meta))).toEqual([["url"], ["url"]]);
  });
});

/** Pieces of a plain byte string cut every `size` bytes. */
async function* chunkPieces(bytes: Buffer, size: number): AsyncIterable<Piece> {
  for (let i = 0; i < bytes.length; i += size) yield { data: bytes.subarray(i, i + size), raw: i, member: false };
}

async function frame(bytes: Buffer, size: number, max = 1 << 20): Promise<string[]> {
  const out: string[] = [];
  for await (const item of frameWarc(chunkPieces(bytes, size), max)) out.push(describeItem(item));
  return out;
}

function describeItem(item: WarcItem): string {
  return "record" in item ? `${item.record.offset}:${item.record.headers.get("warc-type")}:${item.record.block.toString("latin1")}` : `${item.damage.offset}:${item.damage.reason}`;
}

describe("WARC framing", () => {
  const a = warc("resource", "first é block", { "WARC-Record-ID": "<urn:a>" });
  const b = warc("metadata", "x: 1\r\n");
  const c = warc("resource", "", { "WARC-Record-ID": "<urn:c>" });
  const plain = Buffer.concat([a, b, c]);

  it.each([1, 2, 3, 5, 7, 64, 100_000])("gives the same records for %i-byte chunks", async (size) => {
    expect(await frame(plain, size)).toEqual([`0:resource:first é block`, `${a.length}:metadata:x: 1\r\n`, `${a.length + b.length}:resource:`]);
  });

  it("hands out a record as a view of its piece, or as a copy when the piece is much larger", async () => {
    const big = warc("resource", Buffer.alloc(1 << 20, 0x61), { "WARC-Record-ID": "<urn:big>" });
    const bytes = Buffer.concat([a, big]);
    const blocks: Buffer[] = [];
    for await (const item of frameWarc(chunkPieces(bytes, bytes.length), 2 << 20)) if ("record" in item) blocks.push(item.record.block);
    expect(blocks.map((block) => block.length)).toEqual([Buffer.byteLength("first é block", "latin1"), 1 << 20]);
    // the small record must not keep the 1 MiB piece alive; the large one shares it
    expect(blocks[0]?.buffer).not.toBe(bytes.buffer);
    expect(blocks[0]?.toString("latin1")).toBe("first é block");
    expect(blocks[1]?.buffer).toBe(bytes.buffer);
  });

  it("reports a Content-Length that is too long, and resumes at the next record", async () => {
    const broken = Buffer.from(a.toString("latin1").replace("Content-Length: 13", "Content-Length: 40"), "latin1");
    for (const size of [3, 64, 4096]) {
      expect(await frame(Buffer.concat([broken, b, c]), size)).toEqual([`0:malformed_warc`, `${a.length}:metadata:x: 1\r\n`, `${a.length + b.length}:resource:`]);
    }
  });

  it("reports a Content-Length that is too short", async () => {
    const broken = Buffer.from(a.toString("latin1").replace("Content-Length: 13", "Content-Length: 5"), "latin1");
    expect(await frame(Buffer.concat([broken, b]), 7)).toEqual([`0:malformed_warc`, `${broken.length}:metadata:x: 1\r\n`]);
  });

  it("reports garbage between records and a missing length", async () => {
    const noLength = Buffer.from("WARC/1.0\r\nWARC-Type: resource\r\n\r\nabc\r\n\r\n", "latin1");
    const input = Buffer.concat([a, Buffer.from("garbage\r\n"), noLength, b]);
    expect(await frame(input, 11)).toEqual([`0:resource:first é block`, `${a.length}:malformed_warc`, `${a.length + 9}:malformed_warc`, `${a.length + 9 + noLength.length}:metadata:x: 1\r\n`]);
  });

  it("reports a record cut off by the end of the file", async () => {
    expect(await frame(Buffer.concat([a, b.subarray(0, b.length - 8)]), 4)).toEqual([`0:resource:first é block`, `${a.length}:truncated_input`]);
  });

  it("skips a block longer than maxRecordBytes without buffering it", async () => {
    const big = warc("resource", "y".repeat(5000));
    expect(await frame(Buffer.concat([big, b]), 512, 1000)).toEqual([`0:record_too_large`, `${big.length}:metadata:x: 1\r\n`]);
  });
});

describe("WARC gzip members", () => {
  const r1 = response("one", "<html><body><p>One</p></body></html>");
  const r2 = response("two", "<html><body><p>Two</p></body></html>");
  const r3 = response("three", "<html><body><p>Three</p></body></html>");

  it("gives each record its member's offset", async () => {
    const m = [gz(r1), gz(r2), gz(r3)];
    const { docs, bad } = await read("m.warc.gz", Buffer.concat(m));
    expect(bad).toEqual([]);
    expect(docs.map((d) => [d.id, d.source.offset])).toEqual([
      ["urn:uuid:one", 0],
      ["urn:uuid:two", m[0]!.length],
      ["urn:uuid:three", m[0]!.length + m[1]!.length],
    ]);
  });

  it("records a damaged member and goes on with the next one", async () => {
    const m2 = gz(r2);
    m2.fill(0x55, 20, 40); // wreck the deflate data
    const m1 = gz(r1);
    const { docs, bad } = await read("d.warc.gz", Buffer.concat([m1, m2, gz(r3)]));
    expect(docs.map((d) => d.id)).toEqual(["urn:uuid:one", "urn:uuid:three"]);
    expect(bad.map((b) => [b.reason, b.source.offset])).toEqual([["corrupt_input", m1.length]]);
    expect(bad[0]?.id).toBe(`d.warc.gz@${m1.length}`);
  });

  it("records a truncated last member once", async () => {
    const m1 = gz(r1);
    const m2 = gz(r2);
    const { docs, bad } = await read("t.warc.gz", Buffer.concat([m1, m2.subarray(0, m2.length - 30)]));
    expect(docs.map((d) => d.id)).toEqual(["urn:uuid:one"]);
    expect(bad.map((b) => [b.reason, b.source.offset])).toEqual([["truncated_input", m1.length]]);
  });

  it("reads members that straddle read buffers, and a member larger than the first window", async () => {
    // incompressible bodies, so the compressed file is larger than the reader's 1 MiB buffer
    let x = 1;
    const noise = (n: number): string => {
      let out = "";
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        out += String.fromCharCode(97 + (x % 26));
      }
      return out;
    };
    const records = Array.from({ length: 300 }, (_, i) => response(`r${i}`, `<p>${noise(i === 150 ? 3_000_000 : 7000)}</p>`));
    const members = records.map(gz);
    const { docs, bad } = await read("big.warc.gz", Buffer.concat(members), { maxRecordBytes: 8 << 20 });
    expect(bad.map((b) => b.message)).toEqual([]);
    expect(docs).toHaveLength(300);
    let offset = 0;
    docs.forEach((d, i) => {
      expect([d.id, d.source.offset]).toEqual([`urn:uuid:r${i}`, offset]);
      offset += members[i]!.length;
    });
    expect(docs[150]?.text.length).toBe(3_000_007);
    // with a 1 MiB record limit the big record is skipped and the members after it keep their offsets
    const limited = await read("big.warc.gz", Buffer.concat(members));
    const at150 = members.slice(0, 150).reduce((n, m) => n + m.length, 0);
    expect(limited.bad.map((b) => [b.reason, b.source.offset])).toEqual([["record_too_large", at150]]);
    expect(limited.docs).toHaveLength(299);
    expect(limited.docs[150]?.source.offset).toBe(at150 + members[150]!.length);
  });

  it("reads a WARC compressed as one gzip stream", async () => {
    const { docs, bad } = await read("whole.warc.gz", gz(Buffer.concat([r1, r2, r3])));
    expect(bad).toEqual([]);
    expect(docs.map((d) => d.id)).toEqual(["urn:uuid:one", "urn:uuid:two", "urn:uuid:three"]);
  });
});

describe("WARC responses", () => {
  it("keeps HTML responses of any status, ledgers other types and empty bodies, counts requests", async () => {
    const input = Buffer.concat([
      warc("request", "GET / HTTP/1.1\r\n\r\n"),
      response("ok", "<p>a</p>"),
      response("missing", "<html><p>gone</p></html>", { "Content-Type": "text/html; charset=utf-8" }, "404 Not Found"),
      response("png", Buffer.from([0x89, 0x50, 0x4e, 0x47]), { "Content-Type": "image/png" }),
      response("redirect", "", { Location: "/x" }, "301 Moved"),
      response("untyped", "<!DOCTYPE html><title>t</title>", {}),
      response("garbage-http", "x", {}, "teapot"),
      warc("response", "not http at all", { "WARC-Record-ID": "<urn:uuid:nohttp>" }),
      warc("revisit", "HTTP/1.1 200 OK\r\n\r\n"),
    ]);
    const { docs, bad, counters } = await read("r.warc", input);
    expect(docs.map((d) => [d.id, d.meta.http_status])).toEqual([
      ["urn:uuid:ok", 200],
      ["urn:uuid:missing", 404],
      ["urn:uuid:untyped", 200],
    ]);
    expect(bad.map((b) => [b.id, b.reason])).toEqual([
      ["urn:uuid:png", "not_html"],
      ["urn:uuid:redirect", "empty_payload"],
      ["urn:uuid:garbage-http", "malformed_http"],
      ["urn:uuid:nohttp", "malformed_http"],
    ]);
    expect(counters).toEqual({ warc_request: 1, warc_revisit: 1 });
  });

  it("removes chunked transfer coding and gzip content coding", async () => {
    const html = "<html><body>déjà vu</body></html>";
    const chunked = `${Buffer.byteLength(html.slice(0, 10)).toString(16)}\r\n${html.slice(0, 10)}\r\n${Buffer.byteLength(html.slice(10)).toString(16)}\r\n${html.slice(10)}\r\n0\r\n\r\n`;
    const input = Buffer.concat([
      response("chunked", chunked, { "Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked" }),
      response("gzipped", gzipSync(Buffer.from(html)), { "Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip" }),
      response("bad-gzip", Buffer.from("not gzip"), { "Content-Type": "text/html", "Content-Encoding": "gzip" }),
    ]);
    const { docs, bad } = await read("e.warc", input);
    expect(docs.map((d) => [d.id, d.text])).toEqual([
      ["urn:uuid:chunked", html],
      ["urn:uuid:gzipped", html],
    ]);
    expect(bad.map((b) => [b.id, b.reason])).toEqual([["urn:uuid:bad-gzip", "bad_content_encoding"]]);
  });

  it("dechunk rejects a body that is not chunked", () => {
    expect(dechunk(Buffer.from("hello world"))).toBeUndefined();
    expect(dechunk(Buffer.from("5\r\nhello\r\n0\r\n\r\n"))?.toString()).toBe("hello");
  });
});

describe("WARC charsets", () => {
  const page = (bytes: number[], head = ""): Buffer => Buffer.concat([Buffer.from(`<html><head>${head}</head><body><p>`), Buffer.from(bytes), Buffer.from("</p></body></html>")]);
  it.each([
    { name: "windows-1252 from the header", body: page([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80]), type: "text/html; charset=windows-1252", want: "café €", charset: "windows-1252", source: "header" },
    { name: "iso-8859-1 label means windows-1252", body: page([0x93, 0x71, 0x94]), type: "text/html; charset=ISO-8859-1", want: "“q”", charset: "windows-1252", source: "header" },
    { name: "Shift_JIS from <meta charset>", body: page([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea], '<meta charset="Shift_JIS">'), type: "text/html", want: "日本語", charset: "shift_jis", source: "meta" },
    { name: "GBK from the header label gb2312", body: page([0xd6, 0xd0, 0xce, 0xc4]), type: "text/html; charset=gb2312", want: "中文", charset: "gbk", source: "header" },
    { name: "EUC-KR from <meta http-equiv>", body: page([0xc7, 0xd1, 0xb1, 0xb9, 0xbe, 0xee], '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'), type: "text/html", want: "한국어", charset: "euc-kr", source: "meta" },
    { name: "a UTF-8 BOM beats a header", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), page([0xc3, 0xa9])]), type: "text/html; charset=windows-1252", want: "é", charset: "utf-8", source: "bom" },
    { name: "lying header: says UTF-8, meta and bytes say windows-1252", body: page([0xe9], '<meta charset="windows-1252">'), type: "text/html; charset=utf-8", want: "é", charset: "windows-1252", source: "meta" },
    { name: "lying header: says latin-1, bytes are UTF-8", body: page([0xc3, 0xa9]), type: "text/html; charset=iso-8859-1", want: "é", charset: "utf-8", source: "utf8-valid" },
    { name: "no declaration, valid UTF-8", body: page([0xc3, 0xa9]), type: "text/html", want: "é", charset: "utf-8", source: "default" },
    { name: "no declaration, not UTF-8", body: page([0xe9]), type: "text/html", want: "é", charset: "windows-1252", source: "fallback" },
    { name: "unknown label is ignored", body: page([0xc3, 0xa9]), type: "text/html; charset=x-klingon", want: "é", charset: "utf-8", source: "default" },
  ])("$name", async ({ body, type, want, charset, source }) => {
    const { docs } = await read("c.warc", response("c", body, { "Content-Type": type }));
    expect(docs).toHaveLength(1);
    expect(docs[0]?.text).toContain(`<p>${want}</p>`);
    expect([docs[0]?.meta.charset, docs[0]?.meta.charset_source]).toEqual([charset, source]);
  });
});

describe("WARC and HTTP header lines", () => {
  it("reads names lower-cased, keeps the first of repeated headers, joins folded lines and skips lines without a name", () => {
    const text = "WARC/1.0\r\nWARC-Type: response\r\nContent-Type:  text/html; charset=utf-8 \r\n  continued\r\n\tagain\r\ncontent-type: text/plain\r\n: no name\r\nno colon\r\nX-Trimmed \t: v\nLF-Only: yes\r\nEmpty:\r\n";
    expect([...parseHeaders(text)]).toEqual([
      ["warc-type", "response"],
      ["content-type", "text/html; charset=utf-8 continued again"],
      ["x-trimmed", "v"],
      ["lf-only", "yes"],
      ["empty", ""],
    ]);
  });

  it("agrees with a line split on /\\r?\\n/ for 5,000 random header blocks", () => {
    // the rule as a plain split, line by line
    const reference = (text: string): [string, string][] => {
      const headers = new Map<string, string>();
      let last: string | undefined;
      const lines = text.split(/\r?\n/);
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i] as string;
        if (line === "") continue;
        if ((line[0] === " " || line[0] === "\t") && last !== undefined) {
          headers.set(last, `${headers.get(last) ?? ""} ${line.trim()}`);
          continue;
        }
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        last = line.slice(0, colon).trim().toLowerCase();
        if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
      }
      return [...headers];
    };
    const atoms = ["\r\n", "\n", "\r", ":", " ", "\t", "A", "b", "Name", "x-Y", "value", "é"];
    const random = prng(11);
    const next = (n: number): number => random() % n;
    for (let k = 0; k < 5_000; k++) {
      let text = "";
      for (let j = next(30); j > 0; j--) text += atoms[next(atoms.length)];
      expect([...parseHeaders(text)], JSON.stringify(text)).toEqual(reference(text));
    }
  });
});
