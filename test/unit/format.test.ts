import * as assert from 'assert';
import { formatAge, formatBytes, formatCount, unixSeconds } from '../../src/core/format';

describe('formatting like the docker CLI', () => {
  it('prints sizes in decimal units with three significant digits', () => {
    assert.strictEqual(formatBytes(0), '0B');
    assert.strictEqual(formatBytes(999), '999B');
    assert.strictEqual(formatBytes(7052800), '7.05MB');
    assert.strictEqual(formatBytes(1_500_000_000), '1.5GB');
    assert.strictEqual(formatBytes(-1), '?');
  });

  it('prints HumanSize\'s four digits where docker system df does, and Go\'s %g past the last digit', () => {
    assert.strictEqual(formatBytes(1_982_000, 4), '1.982MB');
    assert.strictEqual(formatBytes(1_982_000), '1.98MB');
    assert.strictEqual(formatBytes(3_964_000, 4), '3.964MB');
    assert.strictEqual(formatBytes(1_500_000_000, 4), '1.5GB');
    // 999.999 kB to three digits is 1000, which Go's %g writes in its exponent form.
    assert.strictEqual(formatBytes(999_999), '1e+03kB');
  });

  it('prints ages like the CREATED column', () => {
    const now = 1_700_000_000_000;
    const ago = (s: number) => formatAge(now / 1000 - s, now);
    assert.strictEqual(ago(30), '30 seconds ago');
    assert.strictEqual(ago(90), 'About a minute ago');
    assert.strictEqual(ago(3 * 3600), '3 hours ago');
    assert.strictEqual(ago(3 * 86400), '3 days ago');
    assert.strictEqual(ago(20 * 86400), '2 weeks ago');
    assert.strictEqual(ago(3 * 365 * 86400), '3 years ago');
  });

  it('reads RFC 3339 times', () => {
    assert.strictEqual(unixSeconds('2024-01-02T03:04:05.123456789Z'), 1704164645);
    assert.strictEqual(unixSeconds('not a time'), 0);
  });

  it('counts with a singular for one and grouped digits', () => {
    assert.strictEqual(formatCount(1, 'link'), '1 link');
    assert.strictEqual(formatCount(0, 'link'), '0 links');
    assert.strictEqual(formatCount(1, 'entry', 'entries'), '1 entry');
    assert.strictEqual(formatCount(1203, 'entry', 'entries'), '1,203 entries');
  });
});
