import { execFileSync, spawnSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRanges } from "../../src/pipeline/ranks.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { type SlurmSubmission, maxArraySize, queueState } from "../../src/pipeline/slurm.js";
import type { RunStatus } from "../../src/pipeline/status.js";
import { PipelineError } from "../../src/errors.js";
import { snapshotDir, tempDir } from "../helpers/files.js";
import { refinery, repoRoot, writePipeline } from "../helpers/run.js";

const testStages = join(repoRoot, "tests", "helpers", "test-stages.mjs");
const hasSbatch = spawnSync("sh", ["-c", "command -v sbatch"]).status === 0;
const required = process.env.REFINERY_REQUIRE_SLURM === "1";

// the cluster of scripts/slurm-local.sh, when SLURM_CONF does not name one already
if (hasSbatch && process.env.SLURM_CONF === undefined) {
  const env = spawnSync("bash", [join(repoRoot, "scripts", "slurm-local.sh"), "status"], { encoding: "utf8" });
  const conf = /^export SLURM_CONF=(.+)$/m.exec(env.stdout)?.[1];
  if (env.status === 0 && conf) process.env.SLURM_CONF = conf;
}

/** The sample as six shards: web-00 cut in four, plus web-01 (gzip) and web-02 (zstd). */
async function sampleShards(): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, "in"));
  const sample = join(repoRoot, "fixtures", "sample");
  const lines = (await readFile(join(sample, "web-00.jsonl"), "utf8")).split("\n").filter((l) => l !== "");
  const quarter = Math.ceil(lines.length / 4);
  for (let i = 0; i < 4; i++) await writeFile(join(dir, "in", `web-00-${i}.jsonl`), `${lines.slice(i * quarter, (i + 1) * quarter).join("\n")}\n`);
  await cp(join(sample, "web-01.jsonl.gz"), join(dir, "in", "web-01.jsonl.gz"));
  await cp(join(sample, "web-02.jsonl.zst"), join(dir, "in", "web-02.jsonl.zst"));
  return dir;
}

const samplePipeline = (paths: string) => `version: 1
seed: 42
input: { paths: ${paths} }
output: { dir: out, removed: true }
stages:
  - use: normalize
  - use: drop-repeats
  - use: length
    with: { minChars: 200, minWords: 20, maxChars: 1000000 }
`;

/** Every file of a run folder that must not depend on the executor (not its state, logs or timings). */
async function results(runDir: string): Promise<Map<string, Buffer>> {
  const files = await snapshotDir(runDir, (p) => p.startsWith("state/") || p.startsWith("logs/") || p === "timings.json");
  // the manifest names the run folder, which differs between the runs compared
  const manifest = JSON.parse((files.get("manifest.json") as Buffer).toString("utf8")) as { output: { dir?: string } };
  delete manifest.output.dir;
  files.set("manifest.json", Buffer.from(JSON.stringify(manifest)));
  return files;
}

function expectSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [path, bytes] of expected) expect(actual.get(path)?.equals(bytes), path).toBe(true);
}

async function submissions(runDir: string): Promise<SlurmSubmission[]> {
  return (JSON.parse(await readFile(join(runDir, "state", "slurm.json"), "utf8")) as { submissions: SlurmSubmission[] }).submissions;
}

if (!hasSbatch && required) {
  describe("Slurm executor", () => {
    it("needs Slurm here (REFINERY_REQUIRE_SLURM=1): install it and run scripts/slurm-local.sh start", () => {
      expect(hasSbatch, "sbatch not found on the PATH").toBe(true);
    });
  });
}

describe.skipIf(!hasSbatch)(`Slurm executor on a real cluster${hasSbatch ? "" : " (skipped: sbatch is not installed here; CI runs these with scripts/slurm-local.sh)"}`, () => {
  it("runs the sample with a barrier step as job arrays, byte-identical to the local executor for 4 ranks and for 1", async () => {
    const dir = await sampleShards();
    await writePipeline(dir, samplePipeline(`"in/*"`));
    const local = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 2, stageModules: [testStages], output: "local" });
    expect(local.stats.documents).toEqual({ read: 281, written: 259, removed: 22 });
    expect(local.stats.stages.find((s) => s.id === "drop-repeats")?.dropped).toEqual({ repeat: 15 });
    const expected = await results(join(dir, "local"));

    const slurm = { cwd: dir, stageModules: [testStages], pollSeconds: 0.2 } as const;
    const four = await runPipelineFile("pipeline.yaml", { ...slurm, output: "slurm4", executor: { type: "slurm", slurm: { tasks: 4 } } });
    expect(four.stats).toEqual(local.stats);
    expectSameFiles(await results(join(dir, "slurm4")), expected);
    const [submission] = await submissions(join(dir, "slurm4"));
    const max = await maxArraySize();
    expect(submission?.jobs.map((j) => [j.job, j.world, j.ranks, j.slurmJobs.length, j.dependsOn.length])).toEqual([
      ["p0", 4, "0-3", Math.ceil(4 / max), 0],
      ["drop-repeats.decide", 3, "0-2", Math.ceil(3 / max), Math.ceil(4 / max)],
      ["p1", 4, "0-3", Math.ceil(4 / max), Math.ceil(3 / max)],
      ["finalize", 1, "0", 1, Math.ceil(4 / max)],
    ]);
    // rank r of 4 ran shards r and r + 4; each rank has its own log
    const rank1 = await readFile(join(dir, "slurm4", "logs", "p0", "1.log"), "utf8");
    expect(rank1).toContain("p0 rank 1 of 4: 2 tasks to run of 6 (1, 5)");
    expect(await readFile(join(dir, "slurm4", "logs", "drop-repeats.decide", "2.log"), "utf8")).toContain("drop-repeats.decide rank 2 of 3: 1 task to run of 3 (2)");

    // one rank per job, running its shards on two worker threads
    const one = await runPipelineFile("pipeline.yaml", { ...slurm, output: "slurm1", executor: { type: "slurm", slurm: { tasks: 1, cpusPerTask: 2 } } });
    expect(one.stats).toEqual(local.stats);
    expectSameFiles(await results(join(dir, "slurm1")), expected);
    expect(await readFile(join(dir, "slurm1", "logs", "p1", "0.log"), "utf8")).toContain("p1 rank 0 of 1: 6 tasks to run of 6 (0, 1, 2, 3, 4, 5)");
  });

  it("a failed rank cancels the jobs after it; status shows it with its log; --resume reruns only what is unfinished", async () => {
    const dir = await sampleShards();
    const shards = ["in/web-00-0.jsonl", "in/web-00-1.jsonl", "in/web-00-2.jsonl", "in/web-00-3.jsonl"];
    await writePipeline(dir, samplePipeline(`[${shards.join(", ")}]`));
    const good = await readFile(join(dir, shards[3] as string));
    // an unreadable shard: a socket cannot be opened as a file (ENXIO), even by root
    await rm(join(dir, shards[3] as string));
    const socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(dir, shards[3] as string), resolve));
    const options = { cwd: dir, stageModules: [testStages], pollSeconds: 0.2, executor: { type: "slurm", slurm: { tasks: 2 } } } as const;
    let failure: unknown;
    try {
      await runPipelineFile("pipeline.yaml", options);
    } catch (error) {
      failure = error;
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
    expect(failure).toBeInstanceOf(PipelineError);
    expect((failure as Error).message).toMatch(/^The Slurm run did not finish\.\nRun out: failed/);
    expect((failure as Error).message).toMatch(/\np0 rank 1 failed \(Slurm job \d+_1 on [^)]+\): Cannot read input `[^`]+web-00-3\.jsonl`: ENXIO/);

    const status = JSON.parse((await refinery(["status", "out", "--json"], dir)).stdout) as RunStatus;
    expect(status.state).toBe("failed");
    expect(status.jobs.map((j) => [j.job, j.tasksDone, j.ranks?.done, j.ranks?.failed, j.ranks?.cancelled, j.documents])).toEqual([
      ["p0", 3, 1, 1, 0, 72],
      ["drop-repeats.decide", 0, 0, 0, 2, undefined],
      ["p1", 0, 0, 0, 2, 0],
      ["finalize", 0, 0, 0, 1, undefined],
    ]);
    const rankFailure = status.jobs[0]?.failures[0];
    // rank 1 of 2 runs shards 1 and 3: shard 1 was done when shard 3 failed
    expect(rankFailure).toMatchObject({ job: "p0", rank: 1, log: "logs/p0/1.log" });
    expect(rankFailure?.logTail.slice(-2)).toEqual([expect.stringContaining("p0 rank 1 of 2: 2 tasks to run of 4 (1, 3)"), expect.stringMatching(/^Cannot read input .*ENXIO/)]);
    // the dependent jobs were cancelled by Slurm, not left pending
    const [first] = await submissions(join(dir, "out"));
    const decide = first?.jobs.find((j) => j.job === "drop-repeats.decide")?.slurmJobs[0]?.id as string;
    const queue = await queueState([decide]);
    expect([...queue.values()].map((e) => [e.state, e.reason])).toEqual([
      ["CANCELLED", "DependencyNeverSatisfied"],
      ["CANCELLED", "DependencyNeverSatisfied"],
    ]);
    const text = await refinery(["status", "out"], dir);
    expect(text.stdout).toContain("last lines of out/logs/p0/1.log:\n");
    expect(text.stdout).toContain("Fix the cause, then run the same command again (or add --resume)");

    await writeFile(join(dir, shards[3] as string), good);
    const resumed = await runPipelineFile("pipeline.yaml", { ...options, resume: true });
    expect([resumed.skippedTasks, resumed.ranTasks]).toEqual([3, 8]);
    const second = (await submissions(join(dir, "out")))[1];
    expect(second?.jobs.map((j) => [j.job, j.ranks])).toEqual([
      ["p0", "1"],
      ["drop-repeats.decide", "0-1"],
      ["p1", "0-1"],
      ["finalize", "0"],
    ]);
    expect(parseRanges(second?.jobs[0]?.ranks ?? "")).toEqual([1]);
    expect(await readFile(join(dir, "out", "logs", "p0", "1.log"), "utf8")).toMatch(/submission 2: .*\np0 rank 1 of 2: 1 task to run of 4 \(3\)\n/);

    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 2, stageModules: [testStages], output: "local" });
    expectSameFiles(await results(join(dir, "out")), await results(join(dir, "local")));
    const done = JSON.parse((await refinery(["status", "out", "--json"], dir)).stdout) as RunStatus;
    expect(done.state).toBe("finished");
    // the same command once more: nothing left to submit
    const again = await runPipelineFile("pipeline.yaml", options);
    expect([again.ranTasks, again.skippedTasks]).toEqual([0, 11]);
    expect(await submissions(join(dir, "out"))).toHaveLength(2);
  });

  it("retries a failed task in its allocation, skipping the shards the rank had completed", async () => {
    const dir = await sampleShards();
    await writePipeline(dir, `version: 1\ninput: { paths: "in/web-00-*.jsonl" }\noutput: { dir: out }\nstages:\n  - use: normalize\n  - use: flaky\n    with: { shards: [3] }\n`);
    const result = await runPipelineFile("pipeline.yaml", { cwd: dir, stageModules: [testStages], pollSeconds: 0.2, executor: { type: "slurm", slurm: { tasks: 2, retries: 1 } } });
    expect(result.stats.documents).toEqual({ read: 95, written: 93, removed: 2 });
    const log = await readFile(join(dir, "out", "logs", "p0", "1.log"), "utf8");
    expect(log).toMatch(
      /p0 rank 1 of 2: 2 tasks to run of 4 \(1, 3\)\nInternal error[^\n]*\nError: flaky: shard 3 fails on its first attempt\n[^=]*== \S+ exit code 70: retry 1 of 1\np0 rank 1 of 2: 1 task to run of 4 \(3\)\np0 rank 1 of 2: done, 23 documents read/,
    );
  });

  it("refuses to rerun a run whose jobs are still queued, and passes extra sbatch options through", async () => {
    const dir = await sampleShards();
    await writePipeline(dir, samplePipeline(`"in/web-00-*.jsonl"`).replace("  - use: drop-repeats\n", ""));
    const held = await refinery(["run", "pipeline.yaml", "--executor", "slurm", "--detach", "--sbatch-arg=--hold", "--tasks", "2"], dir);
    expect(held.code).toBe(0);
    expect(held.stdout).toMatch(/^Submitted out to Slurm \(submission 1\):\n {2}p0: Slurm job \d+, ranks 0-1 of 2\n {2}finalize: Slurm job \d+, 1 task, after \d+\nFollow it with: npx refinery status out\n$/);
    const ids = (await submissions(join(dir, "out")))[0]?.jobs.map((j) => j.slurmJobs[0]?.id as string) ?? [];
    try {
      const status = JSON.parse((await refinery(["status", "out", "--json"], dir)).stdout) as RunStatus;
      expect(status.state).toBe("running");
      expect(status.jobs.map((j) => [j.job, j.ranks?.pending])).toEqual([
        ["p0", 2],
        ["finalize", 1],
      ]);
      const again = await refinery(["run", "pipeline.yaml", "--executor", "slurm"], dir);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `The run in \`${join(dir, "out")}\` still has Slurm jobs queued or running (${ids.join(", ")}).\nFollow them with \`refinery status ${join(dir, "out")}\`, or cancel them with \`scancel ${ids.join(" ")}\` before running it again.\n`,
      );
    } finally {
      execFileSync("scancel", ids);
    }
  });
});
