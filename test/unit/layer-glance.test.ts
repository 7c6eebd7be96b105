// A layer row's facts at a glance: size and share of the image, who shares it, what it wasted, then the step.
import * as assert from 'assert';
import { formatShare, layerGlance, shareOfImage, shareStep } from '../../src/core/layer-glance';

describe('layer rows at a glance', () => {
  it('labels a layer with its size and its share of the image', () => {
    const row = layerGlance({ size: 12_700, createdBy: 'COPY app /app' }, 17_800, 1, undefined);
    assert.deepStrictEqual(row, { label: '12.7kB · 71%', description: 'COPY app /app' });
  });

  it('puts "shared by N" and the wasted bytes before the step, whose cut costs least', () => {
    const waste = { bytes: 6_290_000, paths: [{ path: 'tmp/x', size: 6_290_000, hiddenBy: 3, how: 'removed' as const }] };
    const row = layerGlance({ size: 6_300_000, createdBy: 'RUN apk add\n   build-base' }, 15_000_000, 3, waste);
    assert.deepStrictEqual(row, { label: '6.3MB · 42%', description: 'shared by 3 · 6.29MB wasted · RUN apk add build-base' });
  });

  it('never calls a layer with bytes 0%, nor a sliver of one 100%', () => {
    assert.strictEqual(formatShare(shareOfImage(17, 17_800)), '<1%');
    assert.strictEqual(formatShare(shareOfImage(0, 17_800)), '0%');
    assert.strictEqual(formatShare(shareOfImage(5, 0)), '0%');
    assert.strictEqual(formatShare(shareOfImage(17_800, 17_800)), '100%');
    assert.strictEqual(shareStep(0.001, 8), 1, 'a tiny layer still shows a wedge');
    assert.strictEqual(shareStep(0.999, 8), 7, 'only the whole image fills the pie');
    assert.strictEqual(shareStep(1, 8), 8);
    assert.strictEqual(shareStep(0, 8), 0);
  });
});
