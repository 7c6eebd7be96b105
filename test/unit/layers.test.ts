import * as assert from 'assert';
import { cleanCreatedBy, layerSteps } from '../../src/core/layers';
import type { HistoryItem } from '../../src/core/model';

const row = (CreatedBy: string, Size: number, Id = '<missing>'): HistoryItem => ({
  Id,
  Created: 1,
  CreatedBy,
  Tags: [],
  Size,
  Comment: '',
});

describe('layer steps', () => {
  it('pairs steps with diff IDs bottom to top and marks empty steps', () => {
    // The Engine API gives history newest first.
    const history = [
      row('/bin/sh -c #(nop)  CMD ["app"]', 0, 'sha256:top'),
      row('/bin/sh -c #(nop) COPY file:abc in /app ', 300),
      row('/bin/sh -c #(nop)  ENV A=1', 0),
      row('/bin/sh -c #(nop) ADD file:def in / ', 1000),
    ];
    const steps = layerSteps({ RootFS: { Type: 'layers', Layers: ['sha256:l1', 'sha256:l2'] } }, history);
    assert.deepStrictEqual(
      steps.map((s) => [s.createdBy, s.diffId, s.empty]),
      [
        ['ADD file:def in /', 'sha256:l1', false],
        ['ENV A=1', undefined, true],
        ['COPY file:abc in /app', 'sha256:l2', false],
        ['CMD ["app"]', undefined, true],
      ],
    );
  });

  it('keeps a zero-size step that made a layer when the counts say so', () => {
    const history = [row('COPY empty /x', 0), row('ADD base /', 10)];
    const steps = layerSteps({ RootFS: { Type: 'layers', Layers: ['sha256:a', 'sha256:b'] } }, history);
    assert.deepStrictEqual(steps.map((s) => s.diffId), ['sha256:a', 'sha256:b']);
  });

  it('shows layers that have no history row', () => {
    const steps = layerSteps({ RootFS: { Type: 'layers', Layers: ['sha256:a', 'sha256:b'] } }, [row('ADD base /', 10)]);
    assert.strictEqual(steps.length, 2);
    assert.strictEqual(steps[1].diffId, 'sha256:b');
  });

  it('drops the shell noise from steps', () => {
    assert.strictEqual(cleanCreatedBy('/bin/sh -c apt-get update'), 'RUN apt-get update');
    assert.strictEqual(cleanCreatedBy('RUN /bin/sh -c make # buildkit'), 'RUN make');
    assert.strictEqual(cleanCreatedBy('|2 A=1 B=2 /bin/sh -c make all'), 'RUN make all');
  });
});
