#!/usr/bin/env node
/** The `refinery` command: a thin layer that maps argv to the library API and sets the exit code. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { explain, readRunStats } from "../api/run-dir.js";
import { formatWhatIf, whatIf, writeWhatIfPipeline } from "../api/what-if.js";
import { writeReport } from "../api/report.js";
import { formatTokenReport, inspectTokens } from "../api/tokens.js";
import { mergeMegatron } from "../io/token-files.js";
import { PipelineError } from "../errors.js";
import { layout } from "../pipeline/layout.js";
import { loadPipeline } from "../pipeline/load.js";
import { planJobs } from "../pipeline/plan.js";
import type { ProgressMode } from "../pipeline/progress.js";
import { runRank } from "../pipeline/rank-task.js";
import { type RunOptions, runPipelineFile, submitPipelineFile } from "../pipeline/run.js";
import { formatStatus, runStatus } from "../pipeline/status.js";
import { registry } from "../registry.js";
import { version } from "../version.js";
import { formatStageText, stageDoc } from "./stage-docs.js";
import { formatSummary, shownPath } from "./summary.js";

const out = (text: string): void => void process.stdout.write(text);
// `refinery stats run | head` closes the pipe early; that is not an error
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const cli = yargs(hideBin(process.argv))
  .scriptName("refinery")
  .version(version)
  .usage("$0 <command>\n\nClean, deduplicate and audit text corpora for LLM pretraining.")
  .command(
    "validate <pipelines..>",
    "Check pipeline files (schema, stage options) without reading any input",
    (y) => y.positional("pipelines", { type: "string", array: true, demandOption: true, describe: "Pipeline YAML files" }).option("set", { type: "string", array: true, describe: "Override STAGE_ID.OPTION=VALUE", default: [] }),
    async (argv) => {
      for (const file of argv.pipelines) {
        const pipeline = await loadPipeline(file, { set: argv.set });
        const passes = planJobs(pipeline).filter((j) => j.kind === "pass").length;
        out(`${file}: ok (${pipeline.stages.length} stage${pipeline.stages.length === 1 ? "" : "s"}, ${passes} pass${passes === 1 ? "" : "es"})\n`);
      }
    },
  )
  .command(
    "run <pipeline>",
    "Run a pipeline; rerunning the same command resumes it",
    (y) =>
      y
        .positional("pipeline", { type: "string", demandOption: true, describe: "Pipeline YAML file" })
        .option("input", { alias: "i", type: "string", array: true, describe: "Input files or globs (replace input.paths)" })
        .option("output", { alias: "o", type: "string", describe: "Run folder (replaces output.dir)" })
        .option("workers", { alias: "w", type: "number", describe: "Worker threads (default: all cores)" })
        .option("set", { type: "string", array: true, default: [], describe: "Override an option: STAGE_ID.OPTION=VALUE (also input.X, output.X, executor.X, seed)" })
        .option("fail-fast", { type: "boolean", default: false, describe: "Stop at the first bad record instead of recording it" })
        .option("force", { type: "boolean", default: false, describe: "Delete earlier results in the run folder and start over" })
        .option("resume", { type: "boolean", default: false, describe: "Continue the earlier run in the run folder (an error if there is none)" })
        .option("progress", { choices: ["auto", "tty", "plain", "off"] as const, default: "auto" as const, describe: "Progress display" })
        .option("executor", { choices: ["local", "slurm"] as const, describe: "Where jobs run (replaces executor.type; default local)" })
        .option("detach", { type: "boolean", default: false, describe: "Slurm: submit and return instead of waiting (follow with `refinery status`)" })
        .option("partition", { type: "string", describe: "Slurm partition" })
        .option("time", { type: "string", describe: "Slurm time limit per task, e.g. 4:00:00" })
        .option("cpus-per-task", { type: "number", describe: "Slurm CPUs per task (worker threads of a task)" })
        .option("mem-per-task", { type: "string", describe: "Slurm memory per task, e.g. 8G" })
        .option("tasks", { type: "number", describe: "Slurm array tasks (ranks) per job (default: one per shard)" })
        .option("max-concurrent", { type: "number", describe: "Slurm: at most this many tasks of a job at once" })
        .option("retries", { type: "number", describe: "Slurm: run a failed task again up to N times in its allocation" })
        .option("sbatch-arg", { type: "string", array: true, describe: "Extra sbatch option, e.g. --sbatch-arg=--account=lm (repeatable)" })
        .option("poll-seconds", { type: "number", hidden: true, describe: "Slurm: seconds between looks at the queue while waiting" })
        .group(["executor", "detach", "partition", "time", "cpus-per-task", "mem-per-task", "tasks", "max-concurrent", "retries", "sbatch-arg"], "Executor:"),
    async (argv) => {
      if (argv.workers !== undefined && (!Number.isInteger(argv.workers) || argv.workers < 1)) {
        throw new PipelineError("E_USAGE", `--workers: expected a whole number ≥ 1, got ${argv.workers}`);
      }
      const slurm: Record<string, unknown> = {};
      const flags = { partition: argv.partition, time: argv.time, cpusPerTask: argv.cpusPerTask, memPerTask: argv.memPerTask, tasks: argv.tasks, maxConcurrent: argv.maxConcurrent, retries: argv.retries, sbatchArgs: argv.sbatchArg };
      for (const [key, value] of Object.entries(flags)) if (value !== undefined) slurm[key] = value;
      const executor = { ...(argv.executor !== undefined ? { type: argv.executor } : {}), ...(Object.keys(slurm).length > 0 ? { slurm } : {}) };
      const progress: ProgressMode = argv.progress === "auto" ? (process.stderr.isTTY ? "tty" : "plain") : argv.progress;
      const options: RunOptions = {
        set: argv.set,
        ...(argv.input ? { input: argv.input } : {}),
        ...(argv.output !== undefined ? { output: argv.output } : {}),
        ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
        ...(Object.keys(executor).length > 0 ? { executor } : {}),
        ...(argv.pollSeconds !== undefined ? { pollSeconds: argv.pollSeconds } : {}),
        failFast: argv.failFast,
        force: argv.force,
        resume: argv.resume,
        progress,
      };
      if (argv.detach) {
        const submitted = await submitPipelineFile(argv.pipeline, options);
        const dir = shownPath(submitted.runDir);
        if (submitted.submission) {
          const { submission } = submitted;
          out(`Submitted ${dir} to Slurm (submission ${submission.id}):\n`);
          for (const j of submission.jobs) out(`  ${j.job}: Slurm job ${j.slurmJobs.map((s) => s.id).join(" + ")}, ${j.world === 1 && j.ranks === "0" ? "1 task" : `ranks ${j.ranks} of ${j.world}`}${j.dependsOn.length > 0 ? `, after ${j.dependsOn.join(" + ")}` : ""}\n`);
          out(`Follow it with: npx refinery status ${dir}\n`);
        } else if (submitted.stats) {
          process.stderr.write("Nothing to submit: every task of this run was already complete.\n");
          out(formatSummary(submitted.stats, submitted.runDir));
        }
        return;
      }
      const result = await runPipelineFile(argv.pipeline, options);
      if (result.ranTasks === 0) process.stderr.write(`Nothing to do: all ${result.skippedTasks} tasks of this run were already complete.\n`);
      else if (result.skippedTasks > 0) process.stderr.write(`Resumed: ${result.skippedTasks} tasks were already complete, ${result.ranTasks} ran now.\n`);
      out(formatSummary(result.stats, result.runDir));
      if (existsSync(join(result.runDir, layout.report))) out(`Report   ${join(shownPath(result.runDir), layout.report)} (open it in a browser)\n`);
      if (existsSync(join(result.runDir, "signals"))) out(`What if  npx refinery what-if ${shownPath(result.runDir)} --set STAGE_ID.OPTION=VALUE   (other thresholds, from the recorded signals)\n`);
      out(`Explain a document: npx refinery explain ${shownPath(result.runDir)} <doc-id>\n`);
    },
  )
  .command(
    "status <run>",
    "Show what a run is doing: per job, ranks done, running, pending and failed (with the end of a failed rank's log), documents read",
    (y) => y.positional("run", { type: "string", demandOption: true, describe: "Run folder" }).option("json", { type: "boolean", default: false }),
    async (argv) => {
      const status = await runStatus(resolve(argv.run));
      out(argv.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    },
  )
  .command({
    command: "task <run> <job> <rank>",
    describe: false, // internal: what a Slurm array task runs
    builder: (y) =>
      y
        .positional("run", { type: "string", demandOption: true })
        .positional("job", { type: "string", demandOption: true })
        .positional("rank", { type: "number", demandOption: true })
        .option("world", { type: "number", demandOption: true })
        .option("submission", { type: "number", default: 0 })
        .option("workers", { type: "number", describe: "Worker threads (default: SLURM_CPUS_PER_TASK, else 1)" }),
    handler: async (argv) => {
      const workers = argv.workers ?? (Number(process.env.SLURM_CPUS_PER_TASK) || 1);
      await runRank(resolve(argv.run), argv.job, argv.rank, {
        world: argv.world,
        submission: argv.submission,
        workers,
        log: { info: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) },
      });
    },
  })
  .command(
    "stages [name]",
    "List every stage with its options, defaults and reason codes",
    (y) => y.positional("name", { type: "string", describe: "Show one stage" }).option("json", { type: "boolean", default: false }),
    (argv) => {
      const defs = Object.values(registry).filter((d) => argv.name === undefined || d.use === argv.name);
      if (defs.length === 0) throw new PipelineError("E_USAGE", `No stage named \`${argv.name}\`. Stages: ${Object.keys(registry).join(", ")}`);
      const docs = defs.map(stageDoc);
      out(argv.json ? `${JSON.stringify(docs, null, 2)}\n` : `${docs.map(formatStageText).join("\n\n")}\n`);
    },
  )
  .command(
    "explain <run> <id>",
    "Tell what happened to one document: kept (where) or removed (by which stage, and why)",
    (y) =>
      y
        .positional("run", { type: "string", demandOption: true, describe: "Run folder" })
        .positional("id", { type: "string", demandOption: true, describe: "Document id" })
        .option("json", { type: "boolean", default: false }),
    async (argv) => {
      const result = await explain(argv.run, argv.id);
      if (argv.json) out(`${JSON.stringify(result)}\n`);
      else if (result.status === "kept") out(`${argv.id}: kept, in ${result.file} line ${result.line}\n`);
      else if (result.status === "removed") {
        const { row } = result;
        const measured = row.value !== undefined ? `; measured ${JSON.stringify(row.value)}${row.threshold !== undefined ? `, threshold ${JSON.stringify(row.threshold)}` : ""}` : "";
        const from = `${row.source.file}${row.source.line !== undefined ? `:${row.source.line}` : row.source.record !== undefined ? `#${row.source.record}` : ""}`;
        out(`${argv.id}: removed by stage \`${row.stage}\`, reason \`${row.reason}\`${measured}\n  from ${from}\n${row.detail ? `  ${row.detail}\n` : ""}  ledger: ${result.ledgerFile} line ${result.line}\n  ${JSON.stringify(row)}\n`);
      }
      if (result.status === "unknown") {
        process.stderr.write(`${argv.id}: not found in the ledger or the output of ${argv.run}\n`);
        process.exitCode = 1;
      }
    },
  )
  .command(
    "stats <run>",
    "Print the funnel of a finished run: what each stage saw, kept and removed",
    (y) => y.positional("run", { type: "string", demandOption: true }).option("json", { type: "boolean", default: false }),
    async (argv) => {
      const stats = await readRunStats(argv.run);
      out(argv.json ? `${JSON.stringify(stats, null, 2)}\n` : formatSummary(stats, resolve(argv.run)));
    },
  )
  .command(
    "report <run>",
    "Write the run's audit report: one self-contained HTML file (funnel, removals by reason and language, signal distributions, sampled removed documents, dedup clusters, decontamination, tokens)",
    (y) =>
      y
        .positional("run", { type: "string", demandOption: true, describe: "Run folder" })
        .option("output", { alias: "o", type: "string", describe: "Where to write (default: <run>/report.html)" })
        .option("seed", { type: "number", describe: "Seed of the sampled documents (default: the pipeline's seed)" }),
    async (argv) => {
      if (argv.seed !== undefined && (!Number.isInteger(argv.seed) || argv.seed < 0)) throw new PipelineError("E_USAGE", `--seed: expected a whole number ≥ 0, got ${argv.seed}`);
      const report = await writeReport(argv.run, { ...(argv.output !== undefined ? { output: argv.output } : {}), ...(argv.seed !== undefined ? { seed: argv.seed } : {}) });
      out(`Report: ${shownPath(report.path)} (${(report.bytes / 1024).toFixed(0)} kB)\n`);
    },
  )
  .command(
    "what-if <run>",
    "How many documents each rule would keep and remove under other thresholds, from the signals the run recorded (output.signals), without running it again",
    (y) =>
      y
        .positional("run", { type: "string", demandOption: true, describe: "Run folder (run with output.signals: true)" })
        .option("set", { type: "string", array: true, default: [], describe: "A new threshold: STAGE_ID.OPTION=VALUE (repeatable)" })
        .option("write", { type: "string", describe: "Also save the pipeline file with the new thresholds here" })
        .option("json", { type: "boolean", default: false }),
    async (argv) => {
      const result = await whatIf(argv.run, argv.set);
      out(argv.json ? `${JSON.stringify(result, null, 2)}\n` : formatWhatIf(result));
      if (argv.write !== undefined) {
        await writeWhatIfPipeline(argv.run, argv.set, argv.write);
        process.stderr.write(`Wrote ${argv.write}; run it with --output <a new folder> to compare.\n`);
      }
    },
  )
  .command(
    "merge-shards <inputs..>",
    "Concatenate Megatron datasets (.bin + .idx) into one, with a correct index",
    (y) =>
      y
        .positional("inputs", { type: "string", array: true, demandOption: true, describe: "Dataset prefixes, .bin/.idx files, or folders (every .idx inside, in name order)" })
        .option("output", { alias: "o", type: "string", demandOption: true, describe: "Prefix of the merged dataset (writes <prefix>.bin, .idx and .docs.jsonl)" }),
    async (argv) => {
      const result = await mergeMegatron(argv.inputs, argv.output);
      out(`${result.prefix}: ${result.inputs} datasets merged, ${result.documents} documents, ${result.tokens} ${result.dtype} tokens${result.auditIndex ? " (with the audit index)" : " (no audit index: not every input had one)"}\n`);
    },
  )
  .command("tokens <command>", "Look at token shards", (y) =>
    y
      .command(
        "inspect <file>",
        "Token count, document count, dtype and the first documents decoded, for a Megatron, nanoGPT or llm.c shard",
        (z) =>
          z
            .positional("file", { type: "string", demandOption: true, describe: "A shard: its .bin, .idx or prefix" })
            .option("docs", { alias: "n", type: "number", default: 3, describe: "How many documents to decode" })
            .option("tokenizer", { type: "string", describe: "Tokenizer to decode with (default: the one recorded beside the shard)" })
            .option("json", { type: "boolean", default: false }),
        async (argv) => {
          if (!Number.isInteger(argv.docs) || argv.docs < 0) throw new PipelineError("E_USAGE", `--docs: expected a whole number ≥ 0, got ${argv.docs}`);
          const report = await inspectTokens(argv.file, { docs: argv.docs, ...(argv.tokenizer !== undefined ? { tokenizer: argv.tokenizer } : {}) });
          out(argv.json ? `${JSON.stringify(report)}\n` : formatTokenReport(report));
        },
      )
      .demandCommand(1, "Name a tokens command (inspect)."),
  )
  .demandCommand(1, "Name a command.")
  .strict()
  .help()
  .alias("h", "help")
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((message, error) => {
    if (error) throw error;
    process.stderr.write(`${message}\nRun \`refinery --help\` for usage.\n`);
    process.exit(2);
  });

try {
  await cli.parseAsync();
} catch (error) {
  if (error instanceof PipelineError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.code === "E_USAGE" ? 2 : 1;
  } else {
    process.stderr.write(`Internal error (a bug in Refinery; please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  }
}
