/** Refinery's library API: load, validate and run pipelines; read a run's stats and ledger. */
export type { Doc, DocSource, Meta } from "./core/doc.js";
export { withMeta, withText } from "./core/doc.js";
export type { Barrier, BarrierStep, BuildEnv, Json, Observer, Removal, Stage, StageContext, StageDefinition, StageKind, StepContext } from "./core/stage.js";
export { StageOptionError } from "./core/stage.js";
export type { StageStats } from "./core/stats.js";
export { ConfigError, PipelineError } from "./errors.js";
export { defineFilter, defineMap, defineStage, defineTag, drop } from "./stages/define.js";
export { type CompiledPipeline, type Overrides, compilePipelineText, loadPipeline } from "./pipeline/load.js";
export { type RunOptions, type RunResult, type RunStats, runPipeline, runPipelineFile } from "./pipeline/run.js";
export { type Explanation, type LedgerRow, explain, readLedger, readRunStats } from "./api/run-dir.js";
export { type StageOutcome, runStageInMemory } from "./api/memory.js";
export { registry, stageNames } from "./registry.js";
export { version } from "./version.js";
export { WordSplit, splitWords, words } from "./core/text/words.js";
