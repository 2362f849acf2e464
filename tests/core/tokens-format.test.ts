import { describe, expect, it } from "vitest";
import { dtypeFor, llmcHeader, megatronIndexBytes, parseLlmcHeader, parseMegatronIndex, readTokens, tokenBytes } from "../../src/core/tokens/format.js";

describe("token formats", () => {
  it("picks uint16 while every id fits, else int32 (Megatron) or uint32 (nanoGPT, llm.c)", () => {
    expect(dtypeFor("megatron", 65535)).toBe("uint16");
    expect(dtypeFor("megatron", 65536)).toBe("int32");
    expect(dtypeFor("nanogpt", 65536)).toBe("uint32");
    expect(dtypeFor("llmc", 200018)).toBe("uint32");
    expect(() => dtypeFor("megatron", 2 ** 31)).toThrow(/does not fit in int32/);
  });

  it("never truncates: an id that does not fit throws", () => {
    expect(Array.from(readTokens(tokenBytes([0, 65535], "uint16"), "uint16"))).toEqual([0, 65535]);
    expect(() => tokenBytes([65536], "uint16")).toThrow(/65536 does not fit in uint16/);
    expect(() => tokenBytes([2 ** 31], "int32")).toThrow(/does not fit in int32/);
    expect(Array.from(tokenBytes([199999], "uint32"))).toEqual([0x3f, 0x0d, 0x03, 0x00]);
  });

  it("writes and reads a Megatron index: header, lengths, byte pointers, document indices", () => {
    const bytes = megatronIndexBytes({ dtype: "int32", lengths: [3, 0, 5], documentIndices: [0, 1, 2, 3] });
    expect(bytes.length).toBe(34 + 3 * 4 + 3 * 8 + 4 * 8);
    expect(Buffer.from(bytes.subarray(0, 18)).toString("hex")).toBe("4d4d494449445800000100000000000000" + "04");
    const parsed = parseMegatronIndex(bytes);
    expect(parsed).toMatchObject({ dtype: "int32", pointers: [0, 12, 12], documentIndices: [0, 1, 2, 3] });
    expect(Array.from(parsed.lengths)).toEqual([3, 0, 5]);
    expect(() => parseMegatronIndex(bytes.subarray(0, 40))).toThrow(/truncated/);
    const wrong = Uint8Array.from(bytes);
    wrong[0] = 0x4e;
    expect(() => parseMegatronIndex(wrong)).toThrow(/bad header/);
    expect(() => megatronIndexBytes({ dtype: "uint32", lengths: [], documentIndices: [0] })).toThrow(/no dtype code for uint32/);
  });

  it("writes llm.c headers for both token widths and refuses counts past int32", () => {
    expect(parseLlmcHeader(llmcHeader(13, "uint16"))).toEqual({ dtype: "uint16", tokens: 13, version: 1 });
    expect(parseLlmcHeader(llmcHeader(15, "uint32"))).toEqual({ dtype: "uint32", tokens: 15, version: 7 });
    expect(parseLlmcHeader(new Uint8Array(1024))).toBeUndefined();
    expect(() => llmcHeader(2 ** 31, "uint16")).toThrow(/int32/);
  });
});
