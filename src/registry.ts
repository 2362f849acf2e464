import type { StageDefinition } from "./core/stage.js";
import { badwords } from "./stages/badwords.js";
import { fieldFilter } from "./stages/field-filter.js";
import { exactDedup } from "./stages/dedup/exact.js";
import { minhashDedup } from "./stages/dedup/minhash.js";
import { htmlExtract } from "./stages/html-extract.js";
import { language } from "./stages/language/language.js";
import { languageFilter } from "./stages/language/language-filter.js";
import { length } from "./stages/length.js";
import { normalize } from "./stages/normalize.js";
import { c4Quality } from "./stages/quality/c4-quality.js";
import { finewebQuality } from "./stages/quality/fineweb-quality.js";
import { gopherQuality } from "./stages/quality/gopher-quality.js";
import { gopherRepetition } from "./stages/quality/gopher-repetition.js";
import { pii } from "./stages/pii.js";
import { sample } from "./stages/sample.js";
import { split } from "./stages/split.js";
import { decontamIndex } from "./stages/decontam-index.js";
import { decontaminate } from "./stages/decontaminate.js";
import { tokenize } from "./stages/tokenize.js";
import { urlFilter } from "./stages/url-filter.js";

/** Every stage a pipeline file may `use`. Adding a stage means adding one line here. */
export const registry: Readonly<Record<string, StageDefinition>> = Object.freeze({
  "html-extract": htmlExtract,
  normalize,
  language,
  "language-filter": languageFilter,
  "url-filter": urlFilter,
  badwords,
  pii,
  length,
  "field-filter": fieldFilter,
  sample,
  "gopher-quality": gopherQuality,
  "gopher-repetition": gopherRepetition,
  "c4-quality": c4Quality,
  "fineweb-quality": finewebQuality,
  "exact-dedup": exactDedup,
  "minhash-dedup": minhashDedup,
  split,
  "decontam-index": decontamIndex,
  decontaminate,
  tokenize,
});

/** Stage names in registry order. */
export const stageNames = Object.keys(registry);
