import type { StageDefinition } from "./core/stage.js";
import { badwords } from "./stages/badwords.js";
import { fieldFilter } from "./stages/field-filter.js";
import { length } from "./stages/length.js";
import { normalize } from "./stages/normalize.js";
import { pii } from "./stages/pii.js";
import { sample } from "./stages/sample.js";
import { urlFilter } from "./stages/url-filter.js";

/** Every stage a pipeline file may `use`. Adding a stage means adding one line here. */
export const registry: Readonly<Record<string, StageDefinition>> = Object.freeze({
  normalize,
  length,
  "field-filter": fieldFilter,
  sample,
  badwords,
  "url-filter": urlFilter,
  pii,
});

/** Stage names in registry order. */
export const stageNames = Object.keys(registry);
