// dive's CI gate as its latest release, v0.13.1, runs it (runtime/ci/rule.go, evaluator.go, runtime/run.go): when
// it is on, three rules read from strings as dive reads them, evaluated on an efficiency report, and the report
// dive prints in CI mode, line for line, so that a job that greps dive's "FAIL:" lines or reads its exit code
// works the same with this one. Its colours are left out (dive writes them into CI logs too).
import type { EfficiencyReport } from './efficiency';
import { escapeControls, humanizeBytes } from './format';

export type RuleKey = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';

/** The rules as written (a `.dive-ci` file's values or flags); dive's defaults where none is given. */
export type RuleValues = Record<RuleKey, string>;

export const DEFAULT_RULES: RuleValues = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

export const RULE_KEYS: readonly RuleKey[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

export type RuleStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface RuleResult {
  key: RuleKey;
  status: RuleStatus;
  /** What dive prints after the rule's name: the failure, `rule disabled`, or nothing. */
  message: string;
}

interface Rule {
  key: RuleKey;
  configuration: string;
  threshold?: number;
}

/** dive 0.13.1 skips a rule only for this exact word (evaluator.go isRuleEnabled); "off" or "" is misconfigured. */
function disabled(value: string): boolean {
  return value === 'disabled';
}

// Go's strconv.ParseBool, which dive 0.13.1 applies to $CI (cmd/ci.go); an unparsable value is false.
const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];

/**
 * Whether the gate runs: `--ci`, or CI=true (any of Go's true spellings) in the environment. dive writes its
 * `--json` export instead of gating; here only the environment's CI yields to `--json`, since a `--ci` written
 * on purpose with `--json` is asked for.
 */
export function ciModeOn(flag: boolean, envCi: string | undefined, json: boolean): boolean {
  return flag || (!json && envCi !== undefined && GO_TRUE.includes(envCi));
}

// go-humanize's bytesSizeTable: SI units by 1000, IEC by 1024, with or without the trailing "b".
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1 };
['k', 'm', 'g', 't', 'p', 'e'].forEach((u, i) => {
  SIZE_UNITS[u] = SIZE_UNITS[`${u}b`] = 1000 ** (i + 1);
  SIZE_UNITS[`${u}i`] = SIZE_UNITS[`${u}ib`] = 1024 ** (i + 1);
});

/** go-humanize's ParseBytes: "20MB", "20Mb", "1.5 GiB", "1,000" → bytes; undefined when it is no size. */
export function parseBytes(text: string): number | undefined {
  const digits = /^[0-9.,]*/.exec(text)?.[0] ?? '';
  const number = digits.replace(/,/g, '');
  // strconv.ParseFloat: a plain decimal, not "" or "1.2.3".
  if (!/^(\d+\.?\d*|\.\d+)$/.test(number)) return undefined;
  const unit = SIZE_UNITS[text.slice(digits.length).trim().toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(number) * unit);
}

function ratio(key: RuleKey, value: string): number {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isNaN(n)) throw new RuleError(`invalid ${key} config value, given ${JSON.stringify(value)}: it is not a number.`);
  if (n < 0 || n > 1) throw new RuleError(`${key} config value is outside allowed range (0-1), given '${n.toFixed(6)}'.`);
  return n;
}

/** A rule value dive would refuse; its sentence is dive's. */
export class RuleError extends Error {}

/** The rules from their written values; throws RuleError (every bad value named) as dive refuses to start. */
function rulesOf(values: RuleValues): Rule[] {
  const problems: string[] = [];
  const rules = RULE_KEYS.map((key): Rule => {
    const configuration = values[key];
    if (disabled(configuration)) return { key, configuration: 'disabled' };
    try {
      if (key !== 'highestWastedBytes') return { key, configuration, threshold: ratio(key, configuration) };
      const threshold = parseBytes(configuration);
      if (threshold === undefined) throw new RuleError(`invalid highestWastedBytes config value, given ${JSON.stringify(configuration)}: it is not a size (20MB, 1.5GiB, 1000).`);
      return { key, configuration, threshold };
    } catch (e) {
      problems.push((e as Error).message);
      return { key, configuration };
    }
  });
  if (problems.length) throw new RuleError(problems.join('\n'));
  return rules;
}

/** Go's %v of a float64: shortest digits, an exponent (`1e-05`, `+Inf`) below 1e-4 or from 1e21. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(n);
  if (abs === 0 || (abs >= 1e-4 && abs < 1e21)) return String(n);
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function evaluate(rule: Rule, report: EfficiencyReport): RuleResult {
  const { key, threshold } = rule;
  if (threshold === undefined) return { key, status: 'SKIP', message: 'rule disabled' };
  const pass: RuleResult = { key, status: 'PASS', message: '' };
  switch (key) {
    case 'lowestEfficiency':
      if (threshold > report.score) return { key, status: 'FAIL', message: `image efficiency is too low (efficiency=${goFloat(report.score)} < threshold=${goFloat(threshold)})` };
      return pass;
    case 'highestWastedBytes':
      if (report.wastedBytes > threshold) return { key, status: 'FAIL', message: `too many bytes wasted (wasted-bytes=${report.wastedBytes} > threshold=${threshold})` };
      return pass;
    case 'highestUserWastedPercent':
      // NaN (no user bytes) compares false, as in Go: the rule passes.
      if (report.wastedUserPercent > threshold) {
        return { key, status: 'FAIL', message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${goFloat(report.wastedUserPercent)} > threshold=${goFloat(threshold)})` };
      }
      return pass;
  }
}

/** Go's %2.2f of a ratio, Inf included (wasted bytes with no user bytes). */
function goPercentValue(n: number): string {
  return Number.isFinite(n) ? n.toFixed(2) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}

export interface Evaluation {
  pass: boolean;
  /** Sorted by rule name, as dive prints them. */
  results: RuleResult[];
}

/** Applies the rules (throws RuleError for a value dive would refuse). */
export function evaluateRules(values: RuleValues, report: EfficiencyReport): Evaluation {
  const results = rulesOf(values)
    .map((r) => evaluate(r, report))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return { pass: results.every((r) => r.status !== 'FAIL'), results };
}

/** The report outside CI mode, where dive opens its UI: the "Analysis:" and "Inefficient Files:" sections of dive main. */
export function analysisText(report: EfficiencyReport): string {
  const row = (key: string, value: string) => `  ${`${key}:`.padEnd(18)} ${value}`;
  const wasted = report.wastedBytes > 0;
  const analysis = [
    'Analysis:',
    row('efficiency', `${(report.score * 100).toFixed(2)} %`),
    row('wastedBytes', `${report.wastedBytes} bytes ${wasted ? `(${humanizeBytes(report.wastedBytes)})` : ''}`),
    row('userWastedPercent', wasted ? `${goPercentValue(report.wastedUserPercent * 100)} %` : '0 %'),
  ].join('\n');
  if (!report.inefficiencies.length) return `${analysis}\n\nInefficient Files: (None)`;
  const file = (count: string, size: string, path: string) => `  ${count.padEnd(5)}  ${size.padEnd(12)}  ${path}`;
  const files = ['Inefficient Files:', file('Count', 'Wasted Space', 'File Path')];
  for (const i of report.inefficiencies) files.push(file(String(i.count), humanizeBytes(i.cumulativeSize), escapeControls(i.path)));
  return `${analysis}\n\n${files.join('\n')}`;
}

/** Go's %2.4f of a percentage (NaN and Inf as Go writes them). */
function goFixed4(n: number): string {
  return Number.isFinite(n) ? n.toFixed(4) : goFloat(n);
}

/** What dive 0.13.1 prints in CI mode after the image is read (run.go, evaluator.go Report), without colours. */
export function ciReportText(report: EfficiencyReport, evaluation: Evaluation): string {
  const lines = [
    `  efficiency: ${goFixed4(report.score * 100)} %`,
    `  wastedBytes: ${report.wastedBytes} bytes (${humanizeBytes(report.wastedBytes)})`,
    `  userWastedPercent: ${goFixed4(report.wastedUserPercent * 100)} %`,
    'Inefficient Files:',
  ];
  const file = (count: string, size: string, path: string) => `${count.padStart(5)}  ${size.padStart(12)}  ${path}`;
  lines.push(file('Count', 'Wasted Space', 'File Path'));
  if (!report.inefficiencies.length) lines.push('None');
  for (const i of report.inefficiencies) lines.push(file(String(i.count), humanizeBytes(i.cumulativeSize), escapeControls(i.path)));
  lines.push('Results:');
  for (const r of evaluation.results) lines.push(`  ${r.status}: ${r.key}${r.message ? `: ${r.message}` : ''}`);
  const count = (s: RuleStatus) => evaluation.results.filter((r) => r.status === s).length;
  const fail = count('FAIL');
  lines.push(`Result:${fail ? 'FAIL' : 'PASS'} [Total:${evaluation.results.length}] [Passed:${count('PASS')}] [Failed:${fail}] [Warn:0] [Skipped:${count('SKIP')}]`);
  // dive's Println of a report that ends in a newline leaves an empty last line.
  return lines.join('\n') + '\n\n';
}
