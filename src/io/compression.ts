import { createGunzip, createGzip } from "node:zlib";
import type { Transform } from "node:stream";
import { CompressStream, DecompressStream } from "zstd-napi";

/** Compression of an input or output file. */
export type Compression = "none" | "gzip" | "zstd";

/** Picks the compression from a file name: `.gz` → gzip, `.zst`/`.zstd` → zstd, else none. */
export function compressionOf(path: string): Compression {
  if (path.endsWith(".gz")) return "gzip";
  if (path.endsWith(".zst") || path.endsWith(".zstd")) return "zstd";
  return "none";
}

/** File name extension for a compression. */
export function extensionOf(compression: Compression): string {
  return compression === "gzip" ? ".gz" : compression === "zstd" ? ".zst" : "";
}

/** A streaming decompressor; `undefined` for uncompressed input. */
export function decompressor(compression: Compression): Transform | undefined {
  if (compression === "gzip") return createGunzip({ chunkSize: 1 << 17 });
  if (compression === "zstd") return new DecompressStream();
  return undefined;
}

/** A streaming compressor at `level` (zstd 1–19, gzip 1–9); `undefined` for none. */
export function compressor(compression: Compression, level: number | undefined): Transform | undefined {
  if (compression === "gzip") return createGzip({ level: level ?? defaultLevel.gzip, chunkSize: 1 << 17 });
  if (compression === "zstd") {
    return new CompressStream({ compressionLevel: level ?? defaultLevel.zstd, checksumFlag: true });
  }
  return undefined;
}

/** Default levels, recorded in the manifest. */
export const defaultLevel = { gzip: 6, zstd: 3 } as const;
