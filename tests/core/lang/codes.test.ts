import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { isDetectableCode, languageName, toLanguageCode } from "../../../src/core/lang/codes.js";
import { CLD2_CODES, FASTTEXT_CODES, FRANC_CODES } from "../../../src/core/lang/tables.js";
import { detectorUnavailable, fasttextLabels } from "../../../src/stages/language/detectors.js";

const require = createRequire(import.meta.url);

describe("toLanguageCode", () => {
  it.each([
    ["en", "en"],
    ["pt-BR", "pt"],
    ["zh-Hant", "zh"],
    ["zh_TW", "zh"],
    ["DEU", "de"],
    ["eng", "en"],
    ["nb", "no"],
    ["fil", "tl"],
    ["iw", "he"],
    ["ast", "ast"],
    ["fr-CA-u-sd-caqc", "fr"],
  ])("%s → %s", (tag, code) => {
    expect(toLanguageCode(tag)).toBe(code);
  });

  it("rejects what is not a language subtag", () => {
    expect(toLanguageCode("english")).toBeUndefined();
    expect(toLanguageCode("e1")).toBeUndefined();
    expect(toLanguageCode("")).toBeUndefined();
  });
});

describe("code tables (docs/languages.md)", () => {
  it("map every lid.176 label of the installed model, to ISO 639-1 where one exists", async () => {
    const labels = await fasttextLabels();
    expect(labels).toHaveLength(176);
    expect(Object.keys(FASTTEXT_CODES).sort()).toEqual(labels);
    expect([FASTTEXT_CODES.en, FASTTEXT_CODES.zh, FASTTEXT_CODES.als, FASTTEXT_CODES.sh, FASTTEXT_CODES.no]).toEqual(["en", "zh", "gsw", "hbs", "no"]);
  });

  it("map every language of the installed franc to the codes lid.176 uses", () => {
    const codes = new Set<string>();
    for (const file of ["franc/data.js", "franc/expressions.js"]) for (const m of readFileSync(require.resolve(file), "utf8").matchAll(/^\s+([a-z]{3}):/gm)) codes.add(m[1] as string);
    expect(Object.keys(FRANC_CODES).sort()).toEqual([...codes].sort());
    expect([FRANC_CODES.cmn, FRANC_CODES.eng, FRANC_CODES.nob, FRANC_CODES.arb, FRANC_CODES.als, FRANC_CODES.ceb]).toEqual(["zh", "en", "no", "ar", "sq", "ceb"]);
  });

  it.skipIf(detectorUnavailable("cld2") !== undefined)("map every language CLD2 detects", () => {
    const cld = require("cld") as { DETECTED_LANGUAGES: string[]; LANGUAGES: Record<string, string> };
    const codes = new Set(cld.DETECTED_LANGUAGES.map((name) => cld.LANGUAGES[name] as string));
    expect(Object.keys(CLD2_CODES).sort()).toEqual([...codes].sort());
    expect([CLD2_CODES.iw, CLD2_CODES["zh-Hant"], CLD2_CODES["xx-Goth"]]).toEqual(["he", "zh", "und"]);
  });

  it("write only 2–3 letter codes, every one named", () => {
    for (const code of [...Object.values(FASTTEXT_CODES), ...Object.values(FRANC_CODES), ...Object.values(CLD2_CODES)]) {
      expect(code).toMatch(/^[a-z]{2,3}$/);
      expect(isDetectableCode(code)).toBe(true);
    }
    expect(languageName("de")).toBe("German");
    expect(isDetectableCode("nb")).toBe(false);
  });
});
