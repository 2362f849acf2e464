import type { StageDefinition } from "./core/stage.js";
import { fieldFilter } from "./stages/field-filter.js";
import { exactDedup } from "./stages/dedup/exact.js";
import { minhashDedup } from "./stages/dedup/minhash.js";
import { length } from "./stages/length.js";
import { normalize } from "./stages/normalize.js";
import { sample } from "./stages/sample.js";

/** Every stage a pipeline file may `use`. Adding a stage means adding one line here. */
export const registry: Readonly<Record<string, StageDefinition>> = Object.freeze({
  normalize,
  length,
  "field-filter": fieldFilter,
  sample,
  "exact-dedup": exactDedup,
  "minhash-dedup": minhashDedup,
});

/** Stage names in registry order. */
export const stageNames = Object.keys(registry);
