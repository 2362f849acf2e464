/**
 * Writes fixtures/bad-input/: small input files with every kind of damage a real dump has.
 * Deterministic; rerun with `npx tsx scripts/make-bad-input.ts` after changing it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { compress } from "zstd-napi";

const dir = new URL("../fixtures/bad-input/", import.meta.url);
mkdirSync(dir, { recursive: true });
const put = (name: string, data: string | Uint8Array): void => writeFileSync(new URL(name, dir), data);

const good = (id: string, words: number): string => `{"id":"${id}","text":"${Array.from({ length: words }, (_, i) => `word${i}`).join(" ")}","url":"https://example.com/${id}"}`;

// mixed.jsonl: one of each bad line between good ones
put(
  "mixed.jsonl",
  Buffer.concat([
    Buffer.from(`${good("good-1", 20)}\n`),
    Buffer.from('{"id":"bad-json","text":"unterminated\n'),
    Buffer.from(`${good("good-2", 20)}\r\n`),
    Buffer.from("[1, 2, 3]\n"),
    Buffer.from("\n   \n"),
    Buffer.from('{"id":"no-text","body":"the text is in the wrong field"}\n'),
    Buffer.from('{"id":"null-text","text":null}\n'),
    Buffer.from('{"id":"bad-utf8","text":"caf'),
    Buffer.from([0xe9]),
    Buffer.from('"}\n'),
    Buffer.from('{"id":"empty-text","text":""}\n'),
    Buffer.from('{"text":"no id at all, so the id is file:line"}\n'),
    Buffer.from(good("good-3", 20)), // no trailing newline
  ]),
);

// truncated gzip and zstd: 300 good rows, cut in the middle of the compressed stream
const rows = Array.from({ length: 300 }, (_, i) => `${good(`row-${i}`, 40)}\n`).join("");
const gz = gzipSync(Buffer.from(rows), { level: 9 });
put("truncated.jsonl.gz", gz.subarray(0, Math.floor(gz.length * 0.6)));
const zst = compress(Buffer.from(rows), { compressionLevel: 19 });
put("truncated.jsonl.zst", zst.subarray(0, Math.floor(zst.length * 0.6)));

// an empty file and a JSON array with a bad element
put("empty.jsonl", "");
put("array.json", `[${good("arr-1", 10)}, {"id":"arr-2"}, "a string", ${good("arr-4", 10)}]\n`);
