import { describe, expect, it } from "vitest";
import { arrayChunks, chunkThrottles, formatRanges, parseRanges, rankTasks, unfinishedRanks } from "../../src/pipeline/ranks.js";

describe("ranks: how a job's tasks are split over Slurm array tasks", () => {
  it("rank r of W runs tasks r, r+W, …; together the ranks run every task once, whatever W", () => {
    expect(rankTasks(6, 1, 4)).toEqual([1, 5]);
    expect(rankTasks(6, 3, 4)).toEqual([3]);
    expect(rankTasks(2, 3, 4)).toEqual([]);
    for (const world of [1, 2, 3, 4, 7, 10]) {
      const all = Array.from({ length: world }, (_, r) => rankTasks(7, r, world)).flat().sort((a, b) => a - b);
      expect(all, `world ${world}`).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
  });

  it("only ranks with a task lacking its completion marker are unfinished", () => {
    expect(unfinishedRanks(6, 4, new Set([0, 1, 2, 4, 5]))).toEqual([3]);
    expect(unfinishedRanks(6, 4, new Set([0, 2, 3, 4]))).toEqual([1]);
    expect(unfinishedRanks(6, 2, new Set([0, 1, 2, 3, 4, 5]))).toEqual([]);
    expect(unfinishedRanks(3, 4, new Set())).toEqual([0, 1, 2]);
  });

  it("writes and reads sbatch --array ranges", () => {
    expect(formatRanges([0, 1, 2, 3, 5, 7, 8])).toBe("0-3,5,7-8");
    expect(formatRanges([4])).toBe("4");
    expect(formatRanges([])).toBe("");
    expect(parseRanges("0-3,5,7-8")).toEqual([0, 1, 2, 3, 5, 7, 8]);
    expect(parseRanges("")).toEqual([]);
  });

  it("keeps array indices below MaxArraySize by chunking with an offset", () => {
    expect(arrayChunks([0, 1, 2, 3], 1001)).toEqual([{ offset: 0, indices: [0, 1, 2, 3] }]);
    expect(arrayChunks([0, 1, 2, 3], 3)).toEqual([
      { offset: 0, indices: [0, 1, 2] },
      { offset: 3, indices: [0] },
    ]);
    // a resumed run with a few unfinished ranks of a big job
    expect(arrayChunks([5, 1000, 1001, 2500], 1000)).toEqual([
      { offset: 0, indices: [5] },
      { offset: 1000, indices: [0, 1] },
      { offset: 2000, indices: [500] },
    ]);
  });

  it("shares a concurrency limit among the chunks of a job", () => {
    expect(chunkThrottles(undefined, 2)).toEqual([undefined, undefined]);
    expect(chunkThrottles(10, 1)).toEqual([10]);
    expect(chunkThrottles(10, 3)).toEqual([4, 3, 3]);
    expect(chunkThrottles(2, 3)).toEqual([1, 1, 1]);
  });
});
