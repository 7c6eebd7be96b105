import * as assert from 'assert';
import type { ImageBackend } from '../../src/backend/backend';
import { ImageCatalog, stepsOf } from '../../src/backend/catalog';
import type { HistoryItem, ImageInspect } from '../../src/core/model';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const diff = (n: number) => `sha256:${String(n).repeat(64)}`;
const row = (Id: string, CreatedBy: string, Size: number): HistoryItem => ({ Id, Created: 1, CreatedBy, Tags: null, Size, Comment: '' });

/**
 * A classic build on a Docker engine: every row names the image it made, three of them of 0 B. Image `a` has
 * 1 layer, `b` (RUN rm) 2, `c` (RUN true) still 2, `d` (CMD) 2.
 */
function classicEngine(flags?: boolean[] | Error) {
  const layersOf: Record<string, number> = { [id('a')]: 1, [id('b')]: 2, [id('c')]: 2, [id('d')]: 2 };
  const inspected: string[] = [];
  const backend = {
    kind: 'docker',
    async inspectImage(ref: string): Promise<ImageInspect> {
      inspected.push(ref);
      const n = layersOf[ref];
      return { Id: ref, RootFS: { Type: 'layers', Layers: [diff(1), diff(2)].slice(0, n) } } as ImageInspect;
    },
    async imageHistory(): Promise<HistoryItem[]> {
      return [
        row(id('d'), '/bin/sh -c #(nop)  CMD ["sh"]', 0),
        row(id('c'), '/bin/sh -c true', 0),
        row(id('b'), '/bin/sh -c rm /big', 0),
        row(id('a'), '/bin/sh -c #(nop) COPY file:1 in /big ', 100),
      ];
    },
    ...(flags ? { emptyLayerFlags: async () => (flags instanceof Error ? Promise.reject(flags) : flags) } : {}),
  };
  return { backend: backend as unknown as ImageBackend, inspected };
}

const shape = (steps: ReturnType<typeof stepsOf>) => steps.map((s) => [s.createdBy, s.diffId ?? '-', !!s.uncertain]);
const TRUTH = [
  ['COPY file:1 in /big', diff(1), false],
  ['RUN rm /big', diff(2), false],
  ['RUN true', '-', false],
  ['CMD ["sh"]', '-', false],
];

describe('the catalog pairs steps with layers for every view', () => {
  it('on Docker without the config, asks the images the rows name for their layer counts', async () => {
    const { backend, inspected } = classicEngine();
    const steps = stepsOf(await new ImageCatalog(backend).detailsOf(id('d')));
    assert.deepStrictEqual(shape(steps), TRUTH);
    assert.deepStrictEqual([...new Set(inspected)].sort(), [id('a'), id('b'), id('c'), id('d')]);
  });

  it("uses the config's flags where the backend has them, and asks no parent", async () => {
    const { backend, inspected } = classicEngine([false, false, true, true]);
    assert.deepStrictEqual(shape(stepsOf(await new ImageCatalog(backend).detailsOf(id('d')))), TRUTH);
    assert.deepStrictEqual(inspected, [id('d')]);
  });

  it('still shows the layers when reading the flags fails', async () => {
    const { backend } = classicEngine(new Error('permission denied'));
    assert.deepStrictEqual(shape(stepsOf(await new ImageCatalog(backend).detailsOf(id('d')))), TRUTH);
  });
});
