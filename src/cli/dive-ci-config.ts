// The CI rules as dive 0.13.1 reads them (cmd/ci.go, cmd/root.go): a YAML file, `.dive-ci` in the current folder
// unless --ci-config names another, whose `rules:` map gives lowestEfficiency, highestWastedBytes and
// highestUserWastedPercent as strings; keys match in any case (viper's) and keys it does not know (plugins) are
// ignored. A flag given on the command line beats the file, and the file beats the defaults (viper's BindPFlag).
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import { BackendError, userMessage } from '../backend/backend';
import { DEFAULT_RULES, RULE_KEYS, type RuleValues } from '../core/dive-ci';

export const DEFAULT_CONFIG_FILE = '.dive-ci';

/** A rules file is a few lines; anything this large is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

// FAILSAFE reads these plain scalars as strings; the core schema, and so dive's YAML, reads them as null.
const YAML_NULLS = ['~', 'null', 'Null', 'NULL'];

/** viper lowercases every key: `Rules:` or `LowestEfficiency:` count too; the last spelling written wins. */
function anyCase(map: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(map).filter((k) => k.toLowerCase() === key.toLowerCase());
  return found.length ? map[found[found.length - 1]] : undefined;
}

/** The rules from YAML text; FAILSAFE keeps every scalar a string, as dive's string fields read them (`0.20` stays `0.20`). */
export function rulesFromYaml(text: string, file: string): Partial<RuleValues> {
  let doc: unknown;
  try {
    doc = load(text, { schema: FAILSAFE_SCHEMA, filename: file });
  } catch (e) {
    throw new BackendError('invalid-input', `The CI config file ${file} is not valid YAML (${userMessage(e).split('\n')[0]}).`);
  }
  if (doc === undefined || doc === null) return {};
  const rules = typeof doc === 'object' && !Array.isArray(doc) ? anyCase(doc as Record<string, unknown>, 'rules') : undefined;
  if (rules === undefined || rules === null || rules === '') return {};
  if (typeof rules !== 'object' || Array.isArray(rules)) throw new BackendError('invalid-input', `The CI config file ${file} has a "rules" that is not a map of rule names to values.`);
  const out: Partial<RuleValues> = {};
  for (const key of RULE_KEYS) {
    const value = anyCase(rules as Record<string, unknown>, key);
    // `key:` with nothing after it (or `~`, `null`) is YAML's null, which viper reads as unset: the default stays.
    if (value === undefined || value === null || (typeof value === 'string' && YAML_NULLS.includes(value))) continue;
    if (typeof value !== 'string') throw new BackendError('invalid-input', `The CI config file ${file} gives rules.${key} a list or map; it takes one value (0.9, 20MB, disabled).`);
    out[key] = value;
  }
  return out;
}

/**
 * The rules in force: dive's defaults, then the file (`file`, else `.dive-ci` in `cwd` when there is one), then
 * the flags. A file named on purpose must exist: dive 0.13.1 falls back to its defaults when it does not, which
 * lets a misspelt path pass a gate it was meant to tighten. `file` in the answer is the one read, as named.
 */
export async function ciRules(file: string | undefined, flags: Partial<RuleValues>, cwd = process.cwd()): Promise<{ rules: RuleValues; file?: string }> {
  const chosen = file ?? (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  let fromFile: Partial<RuleValues> = {};
  if (chosen) {
    const at = path.resolve(cwd, chosen);
    const stat = await fs.stat(at).catch(() => undefined);
    if (!stat) throw new BackendError('not-found', `The CI config file ${chosen} does not exist.`);
    if (!stat.isFile()) throw new BackendError('invalid-input', `The CI config file ${chosen} is not a file.`);
    if (stat.size > MAX_CONFIG_BYTES) throw new BackendError('invalid-input', `The CI config file ${chosen} is ${stat.size} bytes, too large to be one.`);
    fromFile = rulesFromYaml(await fs.readFile(at, 'utf8'), chosen);
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { rules: { ...DEFAULT_RULES, ...fromFile, ...defined }, file: chosen };
}
