import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { compilePipelineText } from "../../src/pipeline/load.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import type { RunStatus } from "../../src/pipeline/status.js";
import { tempDir } from "../helpers/files.js";
import { refinery, writePipeline } from "../helpers/run.js";

const base = "version: 1\ninput: { paths: [in.jsonl] }\noutput: { dir: out }\n";

function issues(text: string, overrides: Parameters<typeof compilePipelineText>[2] = {}): string[] {
  try {
    compilePipelineText(text, "p.yaml", overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split("\n").slice(1).map((l) => l.trim());
    throw error;
  }
  return [];
}

describe("executor settings", () => {
  it("default to the local executor, with Slurm settings that apply only on Slurm", () => {
    const p = compilePipelineText(base, "p.yaml");
    expect(p.config.executor).toEqual({ type: "local", slurm: { cpusPerTask: 1, retries: 0, jobName: "refinery", sbatchArgs: [] } });
  });

  it("accept every Slurm setting, in the file, from flags and from --set", () => {
    const file = `${base}executor:\n  type: slurm\n  slurm: { partition: cpu, time: 90, cpusPerTask: 4, memPerTask: 8G, tasks: 64, maxConcurrent: 16, sbatchArgs: [--account=lm] }\n`;
    expect(compilePipelineText(file, "p.yaml").config.executor).toEqual({
      type: "slurm",
      slurm: { partition: "cpu", time: "90", cpusPerTask: 4, memPerTask: "8G", tasks: 64, maxConcurrent: 16, retries: 0, jobName: "refinery", sbatchArgs: ["--account=lm"] },
    });
    const flags = compilePipelineText(base, "p.yaml", { executor: { type: "slurm", slurm: { time: "1-12:00:00", tasks: 8 } } });
    expect(flags.config.executor.slurm).toMatchObject({ time: "1-12:00:00", tasks: 8 });
    const set = compilePipelineText(base, "p.yaml", { set: ["executor.type=slurm", "executor.slurm.memPerTask=4000", "executor.slurm.sbatchArgs=--qos=high,--account=lm"] });
    expect(set.config.executor).toMatchObject({ type: "slurm", slurm: { memPerTask: "4000", sbatchArgs: ["--qos=high", "--account=lm"] } });
  });

  it("reject malformed Slurm settings with their path", () => {
    expect(issues(`${base}executor: { type: pbs, slurm: { time: "4 hours", memPerTask: 8GB, tasks: 0, sbatchArgs: [account=lm], cpus: 2 } }\n`)).toEqual([
      'executor.type: expected one of "local", "slurm", got "pbs"',
      "executor.slurm.time: expected a Slurm time limit such as 90, 4:00:00 or 1-12:00:00",
      "executor.slurm.memPerTask: expected a Slurm memory size such as 4000, 4000M or 8G",
      "executor.slurm.tasks: expected a number ≥ 1",
      "executor.slurm.sbatchArgs[0]: expected an sbatch option starting with `-`, e.g. --account=lm",
      "executor.slurm.cpus: unknown option (known: partition, time, cpusPerTask, memPerTask, tasks, maxConcurrent, retries, jobName, sbatchArgs)",
    ]);
    expect(issues(`${base}stages:\n  - use: normalize\n    id: executor\n`)).toEqual(["stages[0].id: `executor` is reserved; give this stage an `id`"]);
  });

  it("never change what a run folder holds: a local run resumes under other executor settings", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "in.jsonl"), '{"id":"a","text":"one two three"}\n');
    await writePipeline(dir, `${base}executor: { slurm: { tasks: 4 } }\n`);
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const again = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, set: ["executor.slurm.tasks=8"], resume: true });
    expect([again.ranTasks, again.skippedTasks]).toEqual([0, 1]);
  });
});

describe("run options around resuming and Slurm", () => {
  it("--resume needs an earlier run and excludes --force", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "in.jsonl"), '{"id":"a","text":"one two three"}\n');
    await writePipeline(dir, base);
    const nothing = await refinery(["run", "pipeline.yaml", "--resume"], dir);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe(`Nothing to resume: \`${join(dir, "out")}\` holds no earlier run. Run without --resume to start one.\n`);
    const both = await refinery(["run", "pipeline.yaml", "--resume", "--force"], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("--force starts over and --resume continues: give one of them\n");
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const resumed = await refinery(["run", "pipeline.yaml", "--resume", "--progress", "off"], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe("Nothing to do: all 1 tasks of this run were already complete.\n");
  });

  it("the Slurm executor says so when Slurm's commands are missing; --detach needs it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "in.jsonl"), '{"id":"a","text":"one two three"}\n');
    await writePipeline(dir, base);
    // a PATH with node on it and nothing else
    await mkdir(join(dir, "bin"));
    await symlink(process.execPath, join(dir, "bin", "node"));
    const noSlurm = await refinery(["run", "pipeline.yaml", "--executor", "slurm"], dir, { PATH: join(dir, "bin") });
    expect(noSlurm.code).toBe(1);
    expect(noSlurm.stderr).toBe(
      "The Slurm executor needs Slurm's client commands (sbatch, squeue, scancel, scontrol) where Refinery runs, e.g. on a login node; `scontrol` is not on the PATH.\n",
    );
    const localSlurmFlags = await refinery(["run", "pipeline.yaml", "--tasks", "4"], dir);
    expect([localSlurmFlags.code, localSlurmFlags.stderr]).toEqual([2, "Slurm settings were given but the executor is local: add --executor slurm\n"]);
    const slurmWorkers = await refinery(["run", "pipeline.yaml", "--executor", "slurm", "--workers", "2"], dir);
    expect([slurmWorkers.code, slurmWorkers.stderr]).toEqual([2, "--workers is for the local executor; on Slurm each task runs --cpus-per-task worker threads\n"]);
    const detached = await refinery(["run", "pipeline.yaml", "--detach"], dir);
    expect(detached.code).toBe(2);
    expect(detached.stderr).toBe("Submitting without waiting needs the Slurm executor (`--executor slurm` or `executor: { type: slurm }`)\n");
  });

  it("status of a local run: tasks done and documents read per job", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a.jsonl"), '{"id":"a","text":"one two three"}\n{"id":"b","text":"x"}\n');
    await writeFile(join(dir, "b.jsonl"), '{"id":"c","text":"four five"}\n');
    await writePipeline(dir, "version: 1\ninput: { paths: '*.jsonl' }\noutput: { dir: out }\n");
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const text = await refinery(["status", "out"], dir);
    expect(text).toEqual({ code: 0, stdout: "Run out: finished (local executor)\n  job  tasks  documents\n  p0     2/2          3\n", stderr: "" });
    const json = JSON.parse((await refinery(["status", "out", "--json"], dir)).stdout) as RunStatus;
    expect(json).toEqual({ runDir: join(dir, "out"), executor: "local", state: "finished", queueKnown: false, jobs: [{ job: "p0", kind: "pass", tasks: 2, tasksDone: 2, documents: 3, failures: [] }] });
    const missing = await refinery(["status", "nope"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`\`${join(dir, "nope")}\` is not a Refinery run folder (no state/spec.json: ENOENT)\n`);
  });
});
