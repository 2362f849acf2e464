/**
 * Writes fixtures/warc/ from real Common Crawl data that `../shared/datasets/build-corpus.sh`
 * downloads (npm `warc` 1.0.1 test files; Debian python3-smart-open test data):
 * - cc-sample.warc.gz: 11 records of CC-MAIN-20140820021334-00006 (warcinfo, request, response,
 *   metadata), each its own gzip member as Common Crawl writes them (the 218 KB response and its
 *   metadata record are left out to keep the fixture small);
 * - cc-sample.warc.wet: the matching WET file, unchanged;
 * - crlf_at_1k_boundary.warc.gz: smart_open's one-record test file, unchanged.
 * Run: npx tsx scripts/make-warc-fixtures.ts
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const work = process.env.CORPUS_WORK ?? join(homedir(), ".cache/refinery-corpus/work");
const ccDir = join(work, "npm/warc-1.0.1/package/test/fixtures");
const cc = join(ccDir, "CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc");
const out = "fixtures/warc";

const bytes = await readFile(cc);
// record boundaries: every "WARC/1.0\r\n" at a line start
const starts: number[] = [];
for (let i = bytes.indexOf("WARC/1.0\r\n"); i !== -1; i = bytes.indexOf("WARC/1.0\r\n", i + 1)) {
  if (i === 0 || bytes[i - 1] === 10) starts.push(i);
}
starts.push(bytes.length);
const records = starts.slice(0, -1).map((s, k) => bytes.subarray(s, starts[k + 1]));
const keep = records.filter((_, k) => k !== 8 && k !== 9);
// mtime 0 and a fixed OS byte keep the file byte-identical across runs
const members = keep.map((r) => {
  const gz = gzipSync(r, { level: 9 });
  gz.writeUInt32LE(0, 4);
  gz[9] = 3;
  return gz;
});
await writeFile(join(out, "cc-sample.warc.gz"), Buffer.concat(members));
await copyFile(`${cc}.wet`, join(out, "cc-sample.warc.wet"));
await copyFile(join(work, "root/python3-smart-open/usr/lib/python3/dist-packages/smart_open/tests/test_data/crlf_at_1k_boundary.warc.gz"), join(out, "crlf_at_1k_boundary.warc.gz"));
process.stdout.write(`${keep.length} records, ${members.reduce((n, m) => n + m.length, 0)} bytes\n`);
