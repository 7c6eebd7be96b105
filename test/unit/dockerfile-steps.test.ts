import * as assert from 'assert';
import { finalStage, historyStep, pairSteps } from '../../src/core/dockerfile-steps';

// One Dockerfile built by each builder on dockerd 20.10 and podman 4.3 (with --build-arg VER=9); the rows are
// the `created_by` strings those engines wrote, oldest first, base image included.
const DOCKERFILE = [
  'ARG VER',
  'FROM exp/base:1',
  'ARG VER',
  'ARG DEST=/opt',
  'COPY hello.txt ${DEST}/hello-$VER.txt',
  'ENV A=1 B="two words"',
  'RUN head -c 300000 /dev/zero > /tmp/big.bin',
  'RUN ["sh", "-c", "echo $VER > /ver.txt"]',
  'WORKDIR /work',
  'RUN echo data > /data.txt && \\',
  '    rm /tmp/big.bin',
  'EXPOSE 80',
  'CMD echo hi',
  '',
].join('\n');

const CLASSIC = [
  '/bin/sh -c #(nop) COPY file:73e2b2d48642b21b357384b0cb81c1869cc5e0c48a00f61553756196058304b9 in /bin/busybox ',
  '/bin/busybox --install -s /bin',
  '/bin/busybox mkdir -p /tmp',
  '/bin/sh -c #(nop)  CMD ["sh"]',
  '/bin/sh -c #(nop)  ARG VER',
  '/bin/sh -c #(nop)  ARG DEST=/opt',
  '/bin/sh -c #(nop) COPY file:c50ecf0f8081044924e199cfe6cfd18d0c9dd4d16be07790bb24f7088112b98e in /opt/hello-9.txt ',
  '/bin/sh -c #(nop)  ENV A=1 B=two words',
  '|2 DEST=/opt VER=9 /bin/sh -c head -c 300000 /dev/zero > /tmp/big.bin',
  '|2 DEST=/opt VER=9 sh -c echo $VER > /ver.txt',
  '/bin/sh -c #(nop) WORKDIR /work',
  '|2 DEST=/opt VER=9 /bin/sh -c echo data > /data.txt &&     rm /tmp/big.bin',
  '/bin/sh -c #(nop)  EXPOSE 80',
  '/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "echo hi"]',
];
const BUILDKIT = [
  'COPY busybox /bin/busybox # buildkit',
  'RUN /bin/busybox --install -s /bin # buildkit',
  'RUN /bin/busybox mkdir -p /tmp # buildkit',
  'CMD ["sh"]',
  'ARG VER',
  'ARG DEST=/opt',
  'COPY hello.txt /opt/hello-9.txt # buildkit',
  'ENV A=1 B=two words',
  'RUN |2 VER=9 DEST=/opt /bin/sh -c head -c 300000 /dev/zero > /tmp/big.bin # buildkit',
  'RUN |2 VER=9 DEST=/opt sh -c echo $VER > /ver.txt # buildkit',
  'WORKDIR /work',
  'RUN |2 VER=9 DEST=/opt /bin/sh -c echo data > /data.txt &&     rm /tmp/big.bin # buildkit',
  'EXPOSE map[80/tcp:{}]',
  'CMD ["/bin/sh" "-c" "echo hi"]',
];
const PODMAN = [
  '/bin/sh -c #(nop) COPY file:01b0553b128d4b3874da2687f49510d7a1f9882a69db52690c33df2a986d2d7f in /bin/busybox ',
  '/bin/sh -c ["/bin/busybox", "--install", "-s", "/bin"]',
  '/bin/sh -c ["/bin/busybox", "mkdir", "-p", "/tmp"]',
  '/bin/sh -c #(nop) CMD ["sh"]',
  '/bin/sh -c #(nop) ARG VER',
  '/bin/sh -c #(nop) ARG DEST VER',
  '/bin/sh -c #(nop) COPY file:c8a72847bd8ba8e86af5c74f663933e025b7add975ee8023e5a94b2ac48f7c31 in ${DEST}/hello-$VER.txt ',
  '/bin/sh -c #(nop) ENV A=1 B="two words"',
  '|2 DEST=/opt VER=9 /bin/sh -c head -c 300000 /dev/zero > /tmp/big.bin',
  '|2 DEST=/opt VER=9 /bin/sh -c ["sh", "-c", "echo $VER > /ver.txt"]',
  '/bin/sh -c #(nop) WORKDIR /work',
  '|2 DEST=/opt VER=9 /bin/sh -c echo data > /data.txt &&     rm /tmp/big.bin',
  '/bin/sh -c #(nop) EXPOSE 80',
  '/bin/sh -c #(nop) CMD echo hi',
];

/** Each step of the final stage as `LINE KEYWORD→row`, `→-` where it found none. */
function shape(content: string, rows: string[], baseRows?: number): string[] {
  const stage = finalStage(content);
  const { rowOf } = pairSteps(stage, rows, baseRows);
  return stage.steps.map((s, i) => `${s.range.start.line + 1} ${s.keyword}→${rowOf[i] ?? '-'}`);
}

const ALL_PAIRED = ['3 ARG→4', '4 ARG→5', '5 COPY→6', '6 ENV→7', '7 RUN→8', '8 RUN→9', '9 WORKDIR→10', '10 RUN→11', '12 EXPOSE→12', '13 CMD→13'];

describe('Dockerfile steps paired with history rows', () => {
  it('reads every builder\'s created_by as the instruction it was', () => {
    assert.deepStrictEqual(
      [BUILDKIT[9], CLASSIC[9], PODMAN[9], CLASSIC[6], BUILDKIT[6], CLASSIC[1]].map((r) => {
        const s = historyStep(r);
        return `${s.keyword} ${s.text}`;
      }),
      ['RUN sh -c echo $VER > /ver.txt', 'RUN sh -c echo $VER > /ver.txt', 'RUN sh -c echo $VER > /ver.txt', `COPY ${CLASSIC[6].split('COPY ')[1].trim()}`, 'COPY hello.txt /opt/hello-9.txt', 'RUN /bin/busybox --install -s /bin'],
    );
    assert.deepStrictEqual([...historyStep(BUILDKIT[8]).buildArgs], [['VER', '9'], ['DEST', '/opt']]);
  });

  for (const [name, rows] of [['BuildKit', BUILDKIT], ['the classic builder', CLASSIC], ['podman', PODMAN]] as const) {
    it(`pairs each step with its own row: ${name}`, () => {
      assert.deepStrictEqual(shape(DOCKERFILE, rows), ALL_PAIRED);
      // Knowing the base image's 4 rows changes nothing when the file is what was built.
      assert.deepStrictEqual(shape(DOCKERFILE, rows, 4), ALL_PAIRED);
    });
  }

  it('substitutes the build arguments the rows name into COPY destinations', () => {
    // VER has no default in the file: only the rows' `|2 … VER=9` make `${DEST}/hello-$VER.txt` /opt/hello-9.txt.
    const builtWith8 = BUILDKIT.map((r) => r.replace('VER=9', 'VER=8'));
    assert.strictEqual(shape(DOCKERFILE, builtWith8, 4)[2], '5 COPY→-');
    assert.strictEqual(shape(DOCKERFILE.replace('hello-$VER.txt', 'hello-$VER.md'), CLASSIC, 4)[2], '5 COPY→-');
  });

  it('leaves an edited step unpaired and keeps pairing the others, on every builder', () => {
    const edited = DOCKERFILE.replace('head -c 300000', 'head -c 400000');
    for (const rows of [BUILDKIT, CLASSIC, PODMAN]) {
      const got = shape(edited, rows, 4);
      assert.strictEqual(got[4], '7 RUN→-');
      assert.deepStrictEqual(got.filter((_, i) => i !== 4), ALL_PAIRED.filter((_, i) => i !== 4));
    }
  });

  it('pairs nothing for an inserted step, and skips a row whose step was deleted', () => {
    const inserted = DOCKERFILE.replace('WORKDIR /work', 'RUN touch /new\nWORKDIR /work');
    assert.deepStrictEqual(shape(inserted, BUILDKIT).slice(6, 9), ['9 RUN→-', '10 WORKDIR→10', '11 RUN→11']);
    const deleted = DOCKERFILE.replace('RUN ["sh", "-c", "echo $VER > /ver.txt"]\n', '');
    assert.deepStrictEqual(shape(deleted, CLASSIC).slice(4, 7), ['7 RUN→8', '8 WORKDIR→10', '9 RUN→11']);
  });

  it('does not pair the file with the base image\'s rows when the base is known', () => {
    // The last stage copies the busybox again: without the base's row count it would find the base's COPY.
    const content = 'FROM exp/base:1\nCOPY busybox /bin/busybox\n';
    assert.deepStrictEqual(shape(content, BUILDKIT.slice(0, 4), 4), ['2 COPY→-']);
  });

  it('takes only the final stage, after its FROM', () => {
    const stage = finalStage('FROM scratch AS build\nRUN make\nFROM exp/base:1 AS final\nRUN make\n');
    assert.strictEqual(stage.from, 'exp/base:1');
    assert.deepStrictEqual(stage.steps.map((s) => s.range.start.line), [3]);
  });
});
