import type { BarrierStep } from "../core/stage.js";
import type { CompiledPipeline, CompiledStage } from "./load.js";

/** A streaming pass: a run of stages over every shard. */
export interface PassPlan {
  readonly index: number;
  readonly stages: readonly CompiledStage[];
  /** The barrier stage that observes this pass's documents at its end, if any. */
  readonly observer?: CompiledStage;
  /** The last pass writes `output/`; the others write `passes/p<k>/`. */
  readonly final: boolean;
}

/** A unit the executor schedules: every task of a job may run in parallel; jobs run in order. */
export type Job =
  | { readonly name: string; readonly kind: "pass"; readonly pass: PassPlan }
  | { readonly name: string; readonly kind: "step"; readonly stage: CompiledStage; readonly step: BarrierStep };

/**
 * Splits the stage list at barrier stages. A barrier stage ends the pass before it (observing its
 * documents), then runs its steps, then starts the next pass (applying its result). Its `prepare`
 * steps, if any, run just before the pass it observes.
 */
export function planJobs(pipeline: CompiledPipeline): Job[] {
  const passes: { stages: CompiledStage[]; observer?: CompiledStage }[] = [{ stages: [] }];
  for (const compiled of pipeline.stages) {
    if (compiled.stage.barrier) {
      (passes[passes.length - 1] as { observer?: CompiledStage }).observer = compiled;
      passes.push({ stages: [compiled] });
    } else {
      (passes[passes.length - 1] as { stages: CompiledStage[] }).stages.push(compiled);
    }
  }
  const jobs: Job[] = [];
  passes.forEach((pass, index) => {
    const plan: PassPlan = { index, stages: pass.stages, final: index === passes.length - 1, ...(pass.observer ? { observer: pass.observer } : {}) };
    for (const step of pass.observer?.stage.barrier?.prepare ?? []) {
      jobs.push({ name: `${(pass.observer as CompiledStage).stage.id}.${step.name}`, kind: "step", stage: pass.observer as CompiledStage, step });
    }
    jobs.push({ name: `p${index}`, kind: "pass", pass: plan });
    if (pass.observer) {
      for (const step of pass.observer.stage.barrier?.steps ?? []) {
        jobs.push({ name: `${pass.observer.stage.id}.${step.name}`, kind: "step", stage: pass.observer, step });
      }
    }
  });
  return jobs;
}
