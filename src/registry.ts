import type { StageDefinition } from "./core/stage.js";
import { fieldFilter } from "./stages/field-filter.js";
import { language } from "./stages/language/language.js";
import { languageFilter } from "./stages/language/language-filter.js";
import { length } from "./stages/length.js";
import { normalize } from "./stages/normalize.js";
import { sample } from "./stages/sample.js";
import { split } from "./stages/split.js";
import { decontamIndex } from "./stages/decontam-index.js";
import { decontaminate } from "./stages/decontaminate.js";
import { tokenize } from "./stages/tokenize.js";

/** Every stage a pipeline file may `use`. Adding a stage means adding one line here. */
export const registry: Readonly<Record<string, StageDefinition>> = Object.freeze({
  normalize,
  length,
  "field-filter": fieldFilter,
  sample,
  split,
  "decontam-index": decontamIndex,
  decontaminate,
  tokenize,
  language,
  "language-filter": languageFilter,
});

/** Stage names in registry order. */
export const stageNames = Object.keys(registry);
