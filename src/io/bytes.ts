import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { PipelineError } from "../errors.js";
import { type Compression, decompressor } from "./compression.js";

/** The input stream ended early or could not be decompressed; everything before it was delivered. */
export class StreamDamage extends Error {
  constructor(
    readonly reason: "truncated_input" | "corrupt_input",
    message: string,
    /** Bytes of decompressed data delivered before the damage. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Raw-file facts gathered while reading: size read and SHA-256 of the bytes on disk. */
export interface RawTally {
  bytes: number;
  readonly hash: ReturnType<typeof createHash>;
}

export function newTally(): RawTally {
  return { bytes: 0, hash: createHash("sha256") };
}

const TRUNCATED = new Set(["Z_BUF_ERROR"]);

/**
 * Streams a file's decompressed bytes. Raw bytes are counted and hashed into `tally` as they are
 * read. Decompression failures surface as {@link StreamDamage} after all good bytes; failure to
 * open or read the file is a {@link PipelineError}.
 */
export async function* fileBytes(path: string, compression: Compression, tally: RawTally): AsyncIterable<Buffer> {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  raw.on("data", (chunk) => {
    tally.bytes += chunk.length;
    tally.hash.update(chunk as Buffer);
  });
  const inflate = decompressor(compression);
  if (inflate === undefined) {
    try {
      for await (const chunk of raw) yield chunk as Buffer;
    } catch (cause) {
      throw readError(path, cause);
    }
    return;
  }
  let readFailure: unknown;
  raw.on("error", (cause) => {
    readFailure = cause;
    inflate.destroy(cause as Error);
  });
  raw.pipe(inflate);
  let delivered = 0;
  try {
    for await (const chunk of inflate) {
      delivered += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (cause) {
    if (readFailure !== undefined) throw readError(path, readFailure);
    const err = cause as NodeJS.ErrnoException;
    const message = err.message ?? String(cause);
    const truncated = TRUNCATED.has(err.code ?? "") || /unexpected end|ended in middle/i.test(message);
    throw new StreamDamage(truncated ? "truncated_input" : "corrupt_input", `${compression}: ${message}`, delivered);
  } finally {
    raw.destroy();
  }
}

function readError(path: string, cause: unknown): PipelineError {
  const err = cause as NodeJS.ErrnoException;
  return new PipelineError("E_INPUT", `Cannot read input \`${path}\`: ${err.code ?? ""} ${err.message ?? String(cause)}`.trim(), { cause });
}
