import * as assert from 'assert';
import { finalStage } from '../../src/core/dockerfile-steps';
import { moveRemoval, removes, type TextEdit } from '../../src/core/removal-fix';

/** The file after the fix that moves step `remover`'s rm of `hidden` into step `writer`; undefined if none. */
function fixed(content: string, writer: number, remover: number, hidden: string[]): string | undefined {
  const { steps } = finalStage(content);
  const edits = moveRemoval(steps[writer], steps[remover], hidden, steps.slice(writer + 1, remover));
  if (!edits) return undefined;
  const lines = content.split('\n');
  const offset = (p: TextEdit['range']['start']) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = content;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}

describe('Moving a removal into the step that wrote the files', () => {
  it('moves a RUN that only removes into the writer, and drops it', () => {
    const file = 'FROM base\nRUN curl -o /tmp/big.tar http://x/big.tar\nENV A=1\nRUN rm -f /tmp/big.tar\nCMD ["sh"]\n';
    assert.strictEqual(fixed(file, 0, 2, ['tmp/big.tar']), 'FROM base\nRUN curl -o /tmp/big.tar http://x/big.tar && rm -f /tmp/big.tar\nENV A=1\nCMD ["sh"]\n');
  });

  it('takes only the rm part of a RUN that does more, continuation lines included', () => {
    const file = 'FROM base\nRUN head -c 300000 /dev/zero > /tmp/big.bin\nRUN echo data > /data.txt && \\\n    rm /tmp/big.bin\n';
    assert.strictEqual(fixed(file, 0, 1, ['tmp/big.bin']), 'FROM base\nRUN head -c 300000 /dev/zero > /tmp/big.bin && rm /tmp/big.bin\nRUN echo data > /data.txt\n');
  });

  it('moves apt lists removed by a glob', () => {
    const file = 'FROM base\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n';
    assert.strictEqual(fixed(file, 0, 1, ['var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease', 'var/lib/apt/lists/partial/x']), 'FROM base\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n');
    assert.ok(removes('/var/lib/apt/lists/*', 'var/lib/apt/lists/partial/x'));
    assert.ok(!removes('/var/lib/apt/lists/*', 'var/lib/apt/other'));
    assert.ok(removes('/tmp', 'tmp/a/b'));
  });

  it('offers nothing where the shell text cannot be cut with certainty, or a step in between uses the file', () => {
    const cases = [
      'FROM b\nRUN curl -o /tmp/big.tar x\nRUN test -f /tmp/big.tar || rm /tmp/big.tar\n', // ||
      'FROM b\nRUN curl -o /tmp/big.tar x\nRUN rm "/tmp/big.tar"\n', // quotes
      'FROM b\nRUN curl -o /tmp/big.tar x\nRUN rm $(ls /tmp/big.tar)\n', // substitution
      'FROM b\nRUN curl -o /tmp/big.tar x\nRUN cd /tmp && rm big.tar\n', // a relative path
      'FROM b\nCOPY big.tar /tmp/big.tar\nRUN rm /tmp/big.tar\n', // the writer is no RUN
      'FROM b\nRUN ["curl", "-o", "/tmp/big.tar"]\nRUN rm /tmp/big.tar\n', // exec form
      'FROM b\nRUN curl -o /tmp/big.tar x\nRUN rm /tmp/other\n', // another file
    ];
    for (const c of cases) assert.strictEqual(fixed(c, 0, 1, ['tmp/big.tar']), undefined, c);
    const used = 'FROM b\nRUN curl -o /tmp/big.tar x\nRUN tar -xf /tmp/big.tar -C /opt\nRUN rm /tmp/big.tar\n';
    assert.strictEqual(fixed(used, 0, 2, ['tmp/big.tar']), undefined);
    const usedByItself = 'FROM b\nRUN curl -o /tmp/big.tar x\nRUN tar -xf /tmp/big.tar -C /opt && rm /tmp/big.tar\n';
    assert.strictEqual(fixed(usedByItself, 0, 1, ['tmp/big.tar']), undefined);
    // The install reads the lists the update wrote: the rm cannot go into the update.
    const install = 'FROM b\nRUN apt-get update\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n';
    assert.strictEqual(fixed(install, 0, 1, ['var/lib/apt/lists/x_InRelease']), undefined);
  });
});
