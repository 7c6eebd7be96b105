import * as assert from 'assert';
import { progressDisplay } from '../../src/cli/progress-display';
import type { ProgressMessage } from '../../src/core/model';
import { LayerTally, layerMessage, progressBar, progressOf, statusMessage, withLayerCounts } from '../../src/core/progress-stream';

/** What dockerd 20.10 sent for a pull of B with A's two layers present (POST /images/create), cut short. */
const PULL: ProgressMessage[] = [
  statusMessage('Pulling from demo/b', '1'),
  layerMessage('748da75e3a9a', 'Already exists'),
  layerMessage('65c275fcf133', 'Already exists'),
  layerMessage('7f0161cfe8a0', 'Pulling fs layer'),
  layerMessage('7f0161cfe8a0', 'Downloading', { current: 36445, total: 1982793 }),
  layerMessage('7f0161cfe8a0', 'Pull complete'),
  statusMessage('Digest: sha256:da560f357cf6c5776501185811b0b83ee80ee1079427f33eacd6e20d64c54dd7'),
  statusMessage('Status: Downloaded newer image for 127.0.0.1:39955/demo/b:1'),
];

function drawn(messages: ProgressMessage[], terminal: boolean): string {
  let text = '';
  const show = progressDisplay({ write: (s: string) => (text += s), isTTY: terminal, columns: 80 });
  messages.forEach(show);
  return text;
}

describe('the Engine API progress stream', () => {
  it('writes messages field for field as the engine does', () => {
    // Copied from dockerd's answer: the key order and the bar are the engine's.
    assert.strictEqual(
      JSON.stringify(PULL[4]),
      '{"status":"Downloading","progressDetail":{"current":36445,"total":1982793},"progress":"[\\u003e                                                  ]  36.45kB/1.983MB","id":"7f0161cfe8a0"}'.replace('\\u003e', '>'),
    );
    assert.strictEqual(JSON.stringify(PULL[1]), '{"status":"Already exists","progressDetail":{},"id":"748da75e3a9a"}');
    assert.strictEqual(JSON.stringify(PULL[0]), '{"status":"Pulling from demo/b","id":"1"}');
    assert.strictEqual(progressBar(113, 113), `[${'='.repeat(50)}>]     113B/113B`);
    assert.strictEqual(progressBar(113, 113, 80), '    113B/113B');
  });

  it('without a terminal, prints each state of each layer as docker pull does, without the bars', () => {
    assert.strictEqual(
      drawn(PULL, false),
      [
        '1: Pulling from demo/b',
        '748da75e3a9a: Already exists',
        '65c275fcf133: Already exists',
        '7f0161cfe8a0: Pulling fs layer',
        '7f0161cfe8a0: Pull complete',
        'Digest: sha256:da560f357cf6c5776501185811b0b83ee80ee1079427f33eacd6e20d64c54dd7',
        'Status: Downloaded newer image for 127.0.0.1:39955/demo/b:1',
        '',
      ].join('\n'),
    );
  });

  it('on a terminal, keeps a line per layer and redraws it in place with cursor moves', () => {
    const text = drawn(PULL, true);
    // Replay the escapes on a screen of lines: what a person sees when the pull ends.
    const screen: string[] = [''];
    let row = 0;
    for (const token of text.match(/\x1b\[\d*[ABK]|\r|\n|[^\x1b\r\n]+/g) ?? []) {
      const move = /^\x1b\[(\d*)([ABK])$/.exec(token);
      if (token === '\n') screen[++row] ??= '';
      else if (token === '\r') continue;
      else if (move?.[2] === 'A') row -= Number(move[1]);
      else if (move?.[2] === 'B') row += Number(move[1]);
      else if (move?.[2] === 'K') screen[row] = '';
      else screen[row] = (screen[row] ?? '') + token;
    }
    assert.deepStrictEqual(screen.map((l) => l.trimEnd()), [
      '1: Pulling from demo/b',
      '748da75e3a9a: Already exists',
      '65c275fcf133: Already exists',
      '7f0161cfe8a0: Pull complete',
      'Digest: sha256:da560f357cf6c5776501185811b0b83ee80ee1079427f33eacd6e20d64c54dd7',
      'Status: Downloaded newer image for 127.0.0.1:39955/demo/b:1',
      '',
    ]);
    assert.match(text, /\x1b\[1A\x1b\[2K\r7f0161cfe8a0: Downloading {2}36\.45kB\/1\.983MB\r\x1b\[1B/);
  });

  it('sums the layers up for a notification: done, of all, and how many were there already', () => {
    const tally = new LayerTally();
    const lines: string[] = [];
    for (const m of PULL) if (tally.add(m)) lines.push(tally.summary());
    assert.deepStrictEqual(lines, [
      '1 of 1 layer: 1 already exists',
      '2 of 2 layers: 2 already exist',
      '2 of 3 layers: 2 already exist',
      '2 of 3 layers: 2 already exist',
      '3 of 3 layers: 2 already exist',
    ]);
    const push = new LayerTally();
    for (const m of [layerMessage('a', 'Preparing'), layerMessage('b', 'Preparing'), layerMessage('a', 'Mounted from demo/a'), layerMessage('b', 'Pushed')]) push.add(m);
    assert.strictEqual(push.summary(), '2 of 2 layers: 1 already exists');
  });

  it('gives a notification the counts before the layer that moved, and other lines as they are', () => {
    const shown: string[] = [];
    const onProgress = withLayerCounts((p) => shown.push(p.message));
    for (const m of PULL) onProgress(progressOf(m));
    assert.deepStrictEqual(shown, [
      '1: Pulling from demo/b',
      '1 of 1 layer: 1 already exists (748da75e3a9a: Already exists)',
      '2 of 2 layers: 2 already exist (65c275fcf133: Already exists)',
      '2 of 3 layers: 2 already exist (7f0161cfe8a0: Pulling fs layer)',
      '2 of 3 layers: 2 already exist (7f0161cfe8a0: Downloading)',
      '3 of 3 layers: 2 already exist (7f0161cfe8a0: Pull complete)',
      'Digest: sha256:da560f357cf6c5776501185811b0b83ee80ee1079427f33eacd6e20d64c54dd7',
      'Status: Downloaded newer image for 127.0.0.1:39955/demo/b:1',
    ]);
  });
});
