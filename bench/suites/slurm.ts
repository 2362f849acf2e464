/**
 * `npm run bench -- slurm`: the cost of running a pipeline as Slurm job arrays instead of worker
 * threads, on the one-node cluster of `scripts/slurm-local.sh` (start it first; the suite skips
 * with a notice when Slurm is not there). Corpus: SLURM_BENCH_SHARDS (default 16) generated shards
 * of 200 documents; pipeline: normalize + length, then the same with a test barrier step.
 *
 * Figures:
 * - task process: one `refinery task` that finds nothing left to do (Node start, imports, rebuilding
 *   the pipeline from state/spec.json, rank state files): the fixed cost every array task pays;
 * - dependency gap: from the last rank of a job ending to the first rank of the next one starting
 *   (Slurm releasing the dependency, scheduling, and that task process starting);
 * - wall time of the whole run, Slurm (one rank per shard) against the local executor, and the
 *   difference per task.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readRankState } from "../../src/pipeline/ranks.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readSubmissions } from "../../src/pipeline/slurm.js";
import type { Suite } from "../run.js";

const run = promisify(execFile);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const suite: Suite = {
  name: "Slurm executor: per-task overhead",
  async run({ root, out }) {
    if (spawnSync("sh", ["-c", "command -v sbatch"]).status !== 0) {
      console.log("skipped: sbatch is not installed (apt-get install slurmctld slurmd slurm-client munge, then scripts/slurm-local.sh start)");
      return { skipped: "no sbatch" };
    }
    if (process.env.SLURM_CONF === undefined) {
      const status = spawnSync("bash", [join(root, "scripts", "slurm-local.sh"), "status"], { encoding: "utf8" });
      const conf = /^export SLURM_CONF=(.+)$/m.exec(status.stdout)?.[1];
      if (!conf) {
        console.log("skipped: no cluster answers (run scripts/slurm-local.sh start, or set SLURM_CONF)");
        return { skipped: "no cluster" };
      }
      process.env.SLURM_CONF = conf;
    }
    const shards = Number(process.env.SLURM_BENCH_SHARDS ?? 16);
    const dir = join(out, "slurm");
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, "in"), { recursive: true });
    for (let s = 0; s < shards; s++) {
      const rows = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `s${s}-${i}`, text: `Document ${i} of shard ${s}. ${"Some words  to normalize here. ".repeat(20 + (i % 50))}` }));
      await writeFile(join(dir, "in", `part-${String(s).padStart(3, "0")}.jsonl`), `${rows.join("\n")}\n`);
    }
    const stages = join(root, "tests", "helpers", "test-stages.mjs");
    const pipelines = {
      "1 pass": "  - use: normalize\n  - use: length\n    with: { minWords: 50 }\n",
      "2 passes + barrier step": "  - use: normalize\n  - use: drop-repeats\n  - use: length\n    with: { minWords: 50 }\n",
    };
    const results: Record<string, unknown> = { shards, cores: availableParallelism(), note: "measured on a shared, loaded machine: figures are noisy" };
    for (const [label, body] of Object.entries(pipelines)) {
      await writeFile(join(dir, "pipeline.yaml"), `version: 1\ninput: { paths: "in/*.jsonl" }\noutput: { dir: out-local }\nstages:\n${body}`);
      const local = await runPipelineFile("pipeline.yaml", { cwd: dir, stageModules: [stages], force: true });
      const slurm = await runPipelineFile("pipeline.yaml", { cwd: dir, stageModules: [stages], force: true, output: "out-slurm", pollSeconds: 0.1, executor: { type: "slurm" } });
      const runDir = join(dir, "out-slurm");
      const [submission] = await readSubmissions(runDir);
      const gaps: number[] = [];
      const taskSeconds: number[] = [];
      let previousEnd: number | undefined;
      let tasks = 0;
      for (const job of submission?.jobs ?? []) {
        let start = Number.POSITIVE_INFINITY;
        let end = 0;
        for (let rank = 0; rank < job.world; rank++) {
          const state = await readRankState(runDir, job.job, rank);
          if (!state?.endedAt) continue;
          tasks++;
          start = Math.min(start, Date.parse(state.startedAt));
          end = Math.max(end, Date.parse(state.endedAt));
          taskSeconds.push((Date.parse(state.endedAt) - Date.parse(state.startedAt)) / 1000);
        }
        if (previousEnd !== undefined) gaps.push((start - previousEnd) / 1000);
        previousEnd = end;
      }
      const cli = join(root, "dist", "cli", "main.js");
      const idle: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await run(process.execPath, [cli, "task", runDir, "p0", "0", "--world", String(shards), "--submission", "99"]);
        idle.push((performance.now() - t) / 1000);
      }
      const perTask = ((slurm.seconds - local.seconds) * Math.min(availableParallelism(), shards)) / tasks;
      console.log(`${label}: ${tasks} Slurm tasks (${submission?.jobs.length ?? 0} jobs)`);
      console.log(`  wall: local executor ${local.seconds.toFixed(2)} s, Slurm ${slurm.seconds.toFixed(2)} s (+${(slurm.seconds - local.seconds).toFixed(2)} s, ≈ ${perTask.toFixed(2)} s per task at ${Math.min(availableParallelism(), shards)} at once)`);
      console.log(`  task process with nothing to do (Node start, imports, pipeline rebuild): median ${median(idle).toFixed(2)} s`);
      console.log(`  rank time inside the task process: median ${median(taskSeconds).toFixed(2)} s`);
      console.log(`  dependency gap between jobs: ${gaps.map((g) => `${g.toFixed(2)} s`).join(", ") || "—"}`);
      results[label] = { tasks, localSeconds: local.seconds, slurmSeconds: slurm.seconds, perTaskSeconds: perTask, idleTaskSeconds: median(idle), rankSeconds: median(taskSeconds), dependencyGaps: gaps };
      if (JSON.stringify(local.stats) !== JSON.stringify(slurm.stats)) throw new Error(`${label}: Slurm and local stats differ`);
    }
    return results;
  },
};

export default suite;
