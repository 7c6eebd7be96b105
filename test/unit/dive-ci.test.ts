// dive's CI rules as dive reads them: sizes as go-humanize parses and prints them, the .dive-ci file's YAML.
import * as assert from 'assert';
import { ciModeOn, DEFAULT_RULES, evaluateRules, goFloat, parseBytes, RuleError } from '../../src/core/dive-ci';
import { efficiency } from '../../src/core/efficiency';
import { humanizeBytes } from '../../src/core/format';
import { rulesFromYaml } from '../../src/cli/dive-ci-config';

describe("dive's CI rules", () => {
  it('reads sizes as go-humanize does: SI and IEC units, any case, commas, a space', () => {
    assert.strictEqual(parseBytes('20MB'), 20_000_000);
    assert.strictEqual(parseBytes('20Mb'), 20_000_000);
    assert.strictEqual(parseBytes('19Mb'), 19_000_000);
    assert.strictEqual(parseBytes('1.5 GiB'), 1.5 * 1024 ** 3);
    assert.strictEqual(parseBytes('1,000'), 1000);
    assert.strictEqual(parseBytes('5k'), 5000);
    assert.strictEqual(parseBytes('10 KiB'), 10240);
    assert.strictEqual(parseBytes('lots'), undefined);
    assert.strictEqual(parseBytes('20 parsecs'), undefined);
  });

  it('prints sizes as go-humanize does (dive\'s wasted-space column)', () => {
    assert.deepStrictEqual([0, 9, 80, 800, 999, 1000, 4000, 6405, 12810, 32025, 20_000_000].map(humanizeBytes), [
      '0 B',
      '9 B',
      '80 B',
      '800 B',
      '999 B',
      '1.0 kB',
      '4.0 kB',
      '6.4 kB',
      '13 kB',
      '32 kB',
      '20 MB',
    ]);
  });

  it('reads .dive-ci as dive does: strings kept as written, unknown keys ignored, keys in any case, an empty value unset', () => {
    const text = ['---', 'plugins:', '  - plugin1', 'rules:', '  lowestEfficiency: 0.95', '  highestWastedBytes: 20Mb', '  highestUserWastedPercent:', '  plugin1/rule1: error'].join('\n');
    assert.deepStrictEqual(rulesFromYaml(text, '.dive-ci'), { lowestEfficiency: '0.95', highestWastedBytes: '20Mb' });
    assert.deepStrictEqual(rulesFromYaml('RULES:\n  HighestWastedBytes: 1KB\n  lowestefficiency: ~\n', 'x'), { highestWastedBytes: '1KB' });
    assert.deepStrictEqual(rulesFromYaml('rules:\n  highestUserWastedPercent: 0.20\n', 'x'), { highestUserWastedPercent: '0.20' });
    assert.deepStrictEqual(rulesFromYaml('', 'x'), {});
    assert.throws(() => rulesFromYaml('rules: [1, 2', 'bad.yaml'), /The CI config file bad\.yaml is not valid YAML \(/);
    assert.throws(() => rulesFromYaml('rules:\n  lowestEfficiency: [1]\n', 'x'), /gives rules\.lowestEfficiency a list or map/);
  });

  it('skips a rule only for "disabled", as dive 0.13.1 does, and names every value it refuses', () => {
    const report = efficiency([[{ path: 'a', type: 'file', size: 10, mode: 0o644 }]]);
    const off = evaluateRules({ lowestEfficiency: 'disabled', highestWastedBytes: 'disabled', highestUserWastedPercent: 'disabled' }, report);
    assert.deepStrictEqual(off.results.map((r) => [r.status, r.message]), [['SKIP', 'rule disabled'], ['SKIP', 'rule disabled'], ['SKIP', 'rule disabled']]);
    assert.ok(off.pass);
    for (const word of ['off', 'False', '', 'Disabled']) {
      assert.throws(() => evaluateRules({ ...DEFAULT_RULES, highestWastedBytes: word }, report), RuleError, JSON.stringify(word));
    }
    assert.throws(
      () => evaluateRules({ ...DEFAULT_RULES, lowestEfficiency: 'high', highestWastedBytes: 'much' }, report),
      (e: unknown) => e instanceof RuleError && /lowestEfficiency.*"high"[\s\S]*highestWastedBytes.*"much"/.test(e.message),
    );
  });

  it('turns CI mode on as dive 0.13.1 does: --ci, or $CI true by Go\'s ParseBool, unless the JSON export is asked for', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.strictEqual(ciModeOn(false, v, false), true, v);
    for (const v of [undefined, '', 'yes', 'on', 'false', '0', 'tRUE', ' true']) assert.strictEqual(ciModeOn(false, v, false), false, String(v));
    assert.strictEqual(ciModeOn(false, 'true', true), false);
    assert.strictEqual(ciModeOn(true, undefined, true), true);
    assert.strictEqual(ciModeOn(true, 'false', false), true);
  });

  it("prints numbers as Go's %v does in the rule lines", () => {
    assert.deepStrictEqual([0.9, 1, 0, 2500 / 7000, 0.8, 0.0001, 0.00003, 1e21, Infinity, NaN].map(goFloat), [
      '0.9',
      '1',
      '0',
      '0.35714285714285715',
      '0.8',
      '0.0001',
      '3e-05',
      '1e+21',
      '+Inf',
      'NaN',
    ]);
  });
});
