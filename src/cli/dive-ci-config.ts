// The CI rules as dive reads them (cmd/dive/cli/internal/options/ci.go): a YAML file, `.dive-ci` in the current
// folder unless another is named, whose `rules:` map gives lowestEfficiency, highestWastedBytes and
// highestUserWastedPercent as strings; keys it does not know (plugins) are ignored; rules it does not set keep
// dive's defaults. Here flags override the file.
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import { BackendError, userMessage } from '../backend/backend';
import { DEFAULT_RULES, RULE_KEYS, type RuleValues } from '../core/dive-ci';

export const DEFAULT_CONFIG_FILE = '.dive-ci';

/** A rules file is a few lines; anything this large is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

/** The rules from YAML text; FAILSAFE keeps every scalar a string, as dive's string fields read them (`0.20` stays `0.20`). */
export function rulesFromYaml(text: string, file: string): Partial<RuleValues> {
  let doc: unknown;
  try {
    doc = load(text, { schema: FAILSAFE_SCHEMA, filename: file });
  } catch (e) {
    throw new BackendError('invalid-input', `The CI config file ${file} is not valid YAML (${userMessage(e).split('\n')[0]}).`);
  }
  if (doc === undefined || doc === null) return {};
  const rules = typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>).rules : undefined;
  if (rules === undefined || rules === null || rules === '') return {};
  if (typeof rules !== 'object' || Array.isArray(rules)) throw new BackendError('invalid-input', `The CI config file ${file} has a "rules" that is not a map of rule names to values.`);
  const out: Partial<RuleValues> = {};
  for (const key of RULE_KEYS) {
    const value = (rules as Record<string, unknown>)[key];
    if (value === undefined) continue;
    // `key:` with nothing after it is Go's empty string, which dive reads as "disabled".
    if (value === null) {
      out[key] = '';
      continue;
    }
    if (typeof value !== 'string') throw new BackendError('invalid-input', `The CI config file ${file} gives rules.${key} a list or map; it takes one value (0.9, 20MB, disabled).`);
    out[key] = value;
  }
  return out;
}

/**
 * The rules in force: dive's defaults, then the file (`file`, else `.dive-ci` in `cwd` when there is one), then
 * the flags. A file named on purpose must exist.
 */
export async function ciRules(file: string | undefined, flags: Partial<RuleValues>, cwd = process.cwd()): Promise<{ rules: RuleValues; file?: string }> {
  const found = path.join(cwd, DEFAULT_CONFIG_FILE);
  const chosen = file ?? (existsSync(found) ? found : undefined);
  let fromFile: Partial<RuleValues> = {};
  if (chosen) {
    const stat = await fs.stat(chosen).catch(() => undefined);
    if (!stat) throw new BackendError('not-found', `The CI config file ${chosen} does not exist.`);
    if (!stat.isFile()) throw new BackendError('invalid-input', `The CI config file ${chosen} is not a file.`);
    if (stat.size > MAX_CONFIG_BYTES) throw new BackendError('invalid-input', `The CI config file ${chosen} is ${stat.size} bytes, too large to be one.`);
    fromFile = rulesFromYaml(await fs.readFile(chosen, 'utf8'), chosen);
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { rules: { ...DEFAULT_RULES, ...fromFile, ...defined }, file: chosen };
}
