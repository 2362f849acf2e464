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
  /**
   * The observer when it is the pipeline's last stage and a `tail` barrier: its own pass is left
   * out, so this pass writes the output and the stage's stats row.
   */
  readonly tail?: CompiledStage;
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
  // a last stage that only passes documents on needs no pass of its own (see Barrier.tail)
  const last = passes[passes.length - 1];
  const tail = passes.length >= 2 && last?.stages.length === 1 && last.stages[0]?.stage.barrier?.tail === true ? last.stages[0] : undefined;
  if (tail) passes.pop();
  const jobs: Job[] = [];
  passes.forEach((pass, index) => {
    const final = index === passes.length - 1;
    const plan: PassPlan = { index, stages: pass.stages, final, ...(pass.observer ? { observer: pass.observer } : {}), ...(final && tail ? { tail } : {}) };
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
