import * as assert from 'assert';
import { arrangeImages, describeEntries, type ArrangeOptions } from '../../src/core/arrange';
import type { ImageSummary } from '../../src/core/model';

const image = (id: string, tags: string[], created: number, size: number): ImageSummary => ({
  Id: `sha256:${id.padEnd(64, '0')}`,
  ParentId: '',
  RepoTags: tags,
  RepoDigests: [],
  Created: created,
  Size: size,
  SharedSize: -1,
  Labels: {},
  Containers: -1,
});

const images = [
  image('a1', ['sample/app:1.0', 'sample/app:latest'], 300, 50),
  image('b1', ['sample/base:1.0'], 100, 40),
  image('c1', ['ghcr.io/team/tool:2'], 200, 900),
  image('d1', [], 400, 10),
];
const defaults: ArrangeOptions = { groupBy: 'repository', sortBy: 'created', filter: '', showDangling: true };
const shape = (opts: Partial<ArrangeOptions>) =>
  arrangeImages(images, { ...defaults, ...opts }).map((g) => [g.name, g.entries.map((e) => e.label)]);

describe('arranging the Images view', () => {
  it('groups by repository, a node per tag, untagged last', () => {
    assert.deepStrictEqual(shape({}), [
      ['sample/app', ['1.0', 'latest']],
      ['ghcr.io/team/tool', ['2']],
      ['sample/base', ['1.0']],
      ['<none>', ['d10000000000']],
    ]);
  });

  it('groups by registry with Docker Hub as docker.io', () => {
    assert.deepStrictEqual(shape({ groupBy: 'registry', sortBy: 'name' }), [
      ['docker.io', ['sample/app:1.0', 'sample/app:latest', 'sample/base:1.0']],
      ['ghcr.io', ['team/tool:2']],
      ['<none>', ['d10000000000']],
    ]);
  });

  it('sorts by size, largest first, without groups', () => {
    assert.deepStrictEqual(shape({ groupBy: 'none', sortBy: 'size' }), [
      ['', ['ghcr.io/team/tool:2', 'sample/app:1.0', 'sample/app:latest', 'sample/base:1.0', 'd10000000000']],
    ]);
  });

  it('filters by tag text or ID and hides dangling images', () => {
    assert.deepStrictEqual(shape({ filter: 'BASE' }), [['sample/base', ['1.0']]]);
    assert.deepStrictEqual(shape({ filter: 'c1000' }), [['ghcr.io/team/tool', ['2']]]);
    assert.ok(!shape({ showDangling: false }).some(([name]) => name === '<none>'));
  });

  it('counts a group as docker images and docker system df do: tags, and images by ID', () => {
    const counts = arrangeImages([...images, image('e1', ['sample/app:2'], 50, 5)], defaults).map((g) => [g.name, describeEntries(g.entries)]);
    assert.deepStrictEqual(counts, [
      ['sample/app', '3 tags, 2 images'],
      ['ghcr.io/team/tool', '1 image'],
      ['sample/base', '1 image'],
      ['<none>', '1 image'],
    ]);
    const twoTagsOneImage = arrangeImages(images, defaults).find((g) => g.name === 'sample/app');
    assert.strictEqual(describeEntries(twoTagsOneImage?.entries ?? []), '2 tags, 1 image');
  });
});
