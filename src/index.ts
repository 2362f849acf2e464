/** Refinery's library API: load, validate and run pipelines; read a run's stats and ledger. */
export type { Doc, DocSource, Meta } from "./core/doc.js";
export { withMeta, withText } from "./core/doc.js";
export type { Barrier, BarrierStep, BuildEnv, Json, Observer, Removal, Stage, StageContext, StageDefinition, StageKind, StepContext } from "./core/stage.js";
export { StageOptionError } from "./core/stage.js";
export type { StageStats } from "./core/stats.js";
export { ConfigError, PipelineError } from "./errors.js";
export { defineFilter, defineMap, defineStage, defineTag, drop } from "./stages/define.js";
export { type CompiledPipeline, type Overrides, compilePipelineText, loadPipeline } from "./pipeline/load.js";
export { type RunOptions, type RunResult, type RunStats, type SubmittedRun, runPipeline, runPipelineFile, submitPipelineFile } from "./pipeline/run.js";
export { type JobStatus, type RankFailure, type RunStatus, formatStatus, runStatus } from "./pipeline/status.js";
export { type Explanation, type LedgerRow, explain, readLedger, readRunStats } from "./api/run-dir.js";
export { type StageOutcome, runStageInMemory } from "./api/memory.js";
export { registry, stageNames } from "./registry.js";
export { version } from "./version.js";
export { type InspectOptions, type TokenReport, formatTokenReport, inspectTokens } from "./api/tokens.js";
export { type MergeResult, type ShardInfo, mergeMegatron, readShardInfo, readShardTokens } from "./io/token-files.js";
export { type TextTokenizer, TIKTOKEN_ENCODINGS, loadTokenizer } from "./stages/tokenize/tokenizer.js";
export { type TokenDtype, type TokenFormat, dtypeFor, megatronIndexBytes, parseMegatronIndex } from "./core/tokens/format.js";
