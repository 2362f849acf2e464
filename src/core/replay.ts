/**
 * Filter decisions as data, so they can be replayed over recorded signals: a rule names the reason
 * code, the measured signal, the comparison and the option holding its threshold. With
 * `output.signals: true` a replayable stage records every signal of every document it judges;
 * `refinery what-if` then recomputes its decisions under other options, and the report draws each
 * signal's distribution with the threshold marked.
 */
import type { Json } from "./stage.js";

/**
 * How a rule compares its signal with its threshold: the document is dropped when
 * `value op threshold`; `true` drops when the signal is `true` (a flag such as "has a lorem ipsum
 * line") and the rule's option, if any, is on.
 */
export type Op = "<" | "<=" | ">" | ">=" | "true";

/** One rule of a replayable stage. */
export interface ReplayRule {
  /** Reason code in the ledger and stats. */
  readonly code: string;
  /** Name of the measured value in the recorded signals. */
  readonly signal: string;
  readonly op: Op;
  /** The option holding the threshold (`null` there switches the rule off); null: a fixed rule. */
  readonly option: string | null;
  /** The threshold of a fixed rule (no option). */
  readonly threshold?: number;
}

/** Options a decision reads: the stage's resolved options. */
export type Options = Readonly<Record<string, unknown>>;

/** Signals recorded for one document by one stage. */
export type Signals = Readonly<Record<string, Json>>;

/** What `refinery what-if` and the report need to know about a stage's decisions. */
export interface StageReplay {
  /** The rules, in the order the stage checks them. */
  readonly rules: readonly ReplayRule[];
  /** Options whose change replay can compute from the signals (thresholds, and e.g. `mode`). */
  readonly options: readonly string[];
  /** The reason the stage removes a document with these signals for under `options`; undefined: kept. */
  decide(signals: Signals, options: Options): string | undefined;
}

/** True when a numeric rule fires: the value is known and compares with the threshold as the rule says. */
export function fires(op: Op, value: number | null, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  switch (op) {
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "true":
      return false;
  }
}

/** The threshold a rule applies under `options`: its option's value, its fixed threshold, or null when off. */
export function thresholdOf(rule: ReplayRule, options: Options): number | boolean | null {
  if (rule.option === null) return rule.op === "true" ? true : (rule.threshold ?? null);
  const value = options[rule.option];
  return typeof value === "number" || typeof value === "boolean" ? value : null;
}

/** Whether one rule removes a document with these signals under `options`. */
export function ruleFires(rule: ReplayRule, signals: Signals, options: Options): boolean {
  const limit = thresholdOf(rule, options);
  const value = signals[rule.signal];
  if (rule.op === "true") return limit === true && value === true;
  if (typeof limit !== "number") return false;
  return typeof value === "number" && fires(rule.op, value, limit);
}

/**
 * A replay that checks rules in order and removes a document for the first that fires.
 * `extra` lists options besides the rules' own that replay handles (read by `applies`), and
 * `applies` can switch rules off for a document (e.g. tag mode, or a rule's exemption).
 */
export function ruleReplay(
  rules: readonly ReplayRule[],
  extra: readonly string[] = [],
  applies: (rule: ReplayRule, signals: Signals, options: Options) => boolean = () => true,
): StageReplay {
  const options = [...new Set([...rules.flatMap((r) => (r.option === null ? [] : [r.option])), ...extra])];
  return {
    rules,
    options,
    decide(signals, opts) {
      for (const rule of rules) if (ruleFires(rule, signals, opts) && applies(rule, signals, opts)) return rule.code;
      return undefined;
    },
  };
}

/** The replay of a quality stage with `mode: filter | tag`: nothing is removed in tag mode. */
export function modalReplay(
  rules: readonly ReplayRule[],
  extra: readonly string[] = [],
  applies?: (rule: ReplayRule, signals: Signals, options: Options) => boolean,
): StageReplay {
  return ruleReplay(rules, ["mode", ...extra], (rule, signals, options) => options.mode !== "tag" && (applies === undefined || applies(rule, signals, options)));
}
