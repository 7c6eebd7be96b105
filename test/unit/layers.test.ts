import * as assert from 'assert';
import { cleanCreatedBy, layerSteps, type LayerStep } from '../../src/core/layers';
import type { HistoryItem } from '../../src/core/model';

const row = (CreatedBy: string, Size: number, Id = '<missing>'): HistoryItem => ({
  Id,
  Created: 1,
  CreatedBy,
  Tags: [],
  Size,
  Comment: '',
});
const layers = (n: number) => ({ RootFS: { Type: 'layers', Layers: Array.from({ length: n }, (_, i) => `sha256:${String(i + 1).repeat(64)}`) } });
/** Step text → diff ID number (1-based) or '-' for no layer, and '?' where the pairing is marked uncertain. */
const shape = (steps: LayerStep[]) =>
  steps.map((s) => `${s.createdBy.slice(0, 25)} ${s.layerIndex === undefined ? '-' : s.layerIndex + 1}${s.uncertain ? '?' : ''}`);
/** Rows given oldest first, as a Dockerfile reads; the Engine API answers newest first. */
const newestFirst = (rows: HistoryItem[]) => [...rows].reverse();

describe('layer steps', () => {
  it('pairs steps with diff IDs bottom to top and marks empty steps', () => {
    const history = newestFirst([
      row('/bin/sh -c #(nop) ADD file:def in / ', 1000),
      row('/bin/sh -c #(nop)  ENV A=1', 0),
      row('/bin/sh -c #(nop) COPY file:abc in /app ', 300),
      row('/bin/sh -c #(nop)  CMD ["app"]', 0, 'sha256:top'),
    ]);
    const steps = layerSteps({ RootFS: { Type: 'layers', Layers: ['sha256:l1', 'sha256:l2'] } }, history);
    assert.deepStrictEqual(
      steps.map((s) => [s.createdBy, s.diffId, s.empty, s.uncertain]),
      [
        ['ADD file:def in /', 'sha256:l1', false, undefined],
        ['ENV A=1', undefined, true, undefined],
        ['COPY file:abc in /app', 'sha256:l2', false, undefined],
        ['CMD ["app"]', undefined, true, undefined],
      ],
    );
  });

  it('puts a zero-size RUN rm layer under RUN rm, not under the CMD above it', () => {
    // A pulled classic-builder image: rows below the top are <missing>, and `RUN rm` only deletes (0 B).
    const history = newestFirst([
      row('/bin/sh -c #(nop) ADD file:base in / ', 5000),
      row('/bin/sh -c #(nop) COPY file:cache in /tmp/build-cache.tar ', 2000),
      row('/bin/sh -c rm /tmp/build-cache.tar', 0),
      row('/bin/sh -c #(nop)  CMD ["/app"]', 0),
    ]);
    assert.deepStrictEqual(shape(layerSteps(layers(3), history)), [
      'ADD file:base in / 1',
      'COPY file:cache in /tmp/b 2',
      'RUN rm /tmp/build-cache.t 3',
      'CMD ["/app"] -',
    ]);
  });

  it('pairs a BuildKit image on dockerd 20.10: every `# buildkit` row and WORKDIR made a layer, empty or not', () => {
    // Rows as dockerd 20.10 with DOCKER_BUILDKIT=1 wrote them (10 layers, four of them the empty tar).
    const history = newestFirst([
      row('COPY busybox /bin/busybox # buildkit', 1_982_000),
      row('RUN /bin/busybox --install -s /bin # buildkit', 0),
      row('COPY cache.tar /tmp/build-cache.tar # buildkit', 200_000),
      row('ENV A=1', 0),
      row('RUN /bin/sh -c rm /tmp/build-cache.tar # buildkit', 0),
      row('RUN /bin/sh -c true # buildkit', 0),
      row('COPY empty/ /empty/ # buildkit', 0),
      row('COPY empty/ / # buildkit', 0),
      row('WORKDIR /work', 0),
      row('WORKDIR /work', 0),
      row('RUN /bin/sh -c cat /mnt/x > /dev/null # buildkit', 0),
      row('LABEL x=y', 0),
      row('CMD ["sh"]', 0, 'sha256:top'),
    ]);
    assert.deepStrictEqual(shape(layerSteps(layers(10), history)), [
      'COPY busybox /bin/busybox 1',
      'RUN /bin/busybox --instal 2',
      'COPY cache.tar /tmp/build 3',
      'ENV A=1 -',
      'RUN rm /tmp/build-cache.t 4',
      'RUN true 5',
      'COPY empty/ /empty/ 6',
      'COPY empty/ / 7',
      'WORKDIR /work 8',
      'WORKDIR /work 9',
      'RUN cat /mnt/x > /dev/nul 10',
      'LABEL x=y -',
      'CMD ["sh"] -',
    ]);
  });

  // The classic builder drops a step whose diff is empty (`RUN true`, a second `WORKDIR /work`, `COPY empty/ /`)
  // and keeps one that only deletes or makes a folder: 0 B either way.
  const classic = (ids: boolean) => {
    const id = (n: number) => (ids ? `sha256:${String.fromCharCode(97 + n).repeat(64)}` : '<missing>');
    return newestFirst([
      row('/bin/sh -c #(nop) COPY file:73e2 in /bin/busybox ', 1_982_000, id(0)),
      row('/bin/busybox --install -s /bin', 0, id(1)),
      row('/bin/sh -c #(nop) COPY file:f7cb in /tmp/build-cache.tar ', 200_000, id(2)),
      row('/bin/sh -c #(nop)  ENV A=1', 0, id(3)),
      row('/bin/sh -c rm /tmp/build-cache.tar', 0, id(4)),
      row('/bin/sh -c true', 0, id(5)),
      row('/bin/sh -c #(nop) COPY dir:15a6 in /empty/ ', 0, id(6)),
      row('/bin/sh -c #(nop) COPY dir:15a6 in / ', 0, id(7)),
      row('/bin/sh -c #(nop) WORKDIR /work', 0, id(8)),
      row('/bin/sh -c #(nop) WORKDIR /work', 0, id(9)),
      row('/bin/sh -c #(nop)  ONBUILD RUN true', 0, id(10)),
      row('/bin/sh -c #(nop)  CMD ["sh"]', 0, id(11)),
    ]);
  };
  const classicTruth = [
    'COPY file:73e2 in /bin/bu 1',
    '/bin/busybox --install -s 2',
    'COPY file:f7cb in /tmp/bu 3',
    'ENV A=1 -',
    'RUN rm /tmp/build-cache.t 4',
    'RUN true -',
    'COPY dir:15a6 in /empty/ 5',
    'COPY dir:15a6 in / -',
    'WORKDIR /work 6',
    'WORKDIR /work -',
    'ONBUILD RUN true -',
    'CMD ["sh"] -',
  ];
  const classicFlags = [false, false, false, true, false, true, false, true, false, true, true, true];

  it('decides a classic build from the layer counts of the images its rows name', () => {
    const history = classic(true);
    const counts = [1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6];
    const layersOf = new Map(counts.map((n, i) => [`sha256:${String.fromCharCode(97 + i).repeat(64)}`, n]));
    assert.deepStrictEqual(shape(layerSteps(layers(6), history, { layersOf })), classicTruth);
  });

  it('marks what a classic build without local parents leaves open, and guesses nothing silently', () => {
    const steps = layerSteps(layers(6), classic(false));
    const shown = shape(steps);
    // Sized rows and config-only rows are certain; so is the first layer. The zero-size RUN/COPY/WORKDIR rows are not.
    assert.deepStrictEqual(
      shown.map((s, i) => (s.endsWith('?') ? '?' : s === classicTruth[i] ? 'right' : 'WRONG')),
      ['right', '?', '?', 'right', '?', '?', '?', '?', '?', '?', 'right', 'right'],
    );
    assert.strictEqual(steps.filter((s) => s.layerIndex !== undefined).length, 6, 'every layer is still shown');
  });

  it("uses the config's empty_layer flags when the backend has them", () => {
    assert.deepStrictEqual(shape(layerSteps(layers(6), classic(false), { emptyLayers: classicFlags })), classicTruth);
  });

  it('falls back to the history when the flags do not fit it', () => {
    const steps = layerSteps(layers(6), classic(false), { emptyLayers: classicFlags.slice(1) });
    assert.ok(steps.some((s) => s.uncertain));
  });

  it('pairs podman rows by their tar sizes, which are never 0 for a layer', () => {
    const history = newestFirst([
      row('/bin/sh -c #(nop) COPY file:01b0 in /bin/busybox ', 1_984_512),
      row('/bin/sh -c rm /tmp/build-cache.tar', 2048),
      row('/bin/sh -c true', 1024),
      row('/bin/sh -c #(nop) WORKDIR /work', 0),
      row('/bin/sh -c --mount=type=bind,source=data,target=/mnt cat /mnt/x', 1536),
      row('/bin/sh -c #(nop) ONBUILD RUN echo onbuild > /onbuild.txt', 0),
      row('/bin/sh -c #(nop) CMD ["sh"]', 0, 'sha256:top'),
    ]);
    assert.deepStrictEqual(shape(layerSteps(layers(4), history)), [
      'COPY file:01b0 in /bin/bu 1',
      'RUN rm /tmp/build-cache.t 2',
      'RUN true 3',
      'WORKDIR /work -',
      'RUN --mount=type=bind,sou 4',
      'ONBUILD RUN echo onbuild  -',
      'CMD ["sh"] -',
    ]);
  });

  it('shows layers that no history row accounts for, marked when there is a history', () => {
    // A squashed or hand-made image: one row, two layers. Which layer the row made is not known.
    const steps = layerSteps(layers(2), [row('ADD base /', 10)]);
    assert.deepStrictEqual(shape(steps), ['ADD base / 1?', ' 2?']);
    // An image with no history at all: its layers are simply without steps.
    assert.deepStrictEqual(shape(layerSteps(layers(2), [])), [' 1', ' 2']);
  });

  it('marks every row when the history names more layers than the image has', () => {
    const steps = layerSteps(layers(1), newestFirst([row('ADD a /', 10), row('ADD b /', 20)]));
    assert.deepStrictEqual(shape(steps), ['ADD a / 1?', 'ADD b / -?']);
  });

  it('pairs an imported image: one row, one layer', () => {
    assert.deepStrictEqual(shape(layerSteps(layers(1), [row('Imported from -', 0, 'sha256:top')])), ['Imported from - 1']);
  });

  it('drops the shell noise from steps', () => {
    assert.strictEqual(cleanCreatedBy('/bin/sh -c apt-get update'), 'RUN apt-get update');
    assert.strictEqual(cleanCreatedBy('RUN /bin/sh -c make # buildkit'), 'RUN make');
    assert.strictEqual(cleanCreatedBy('|2 A=1 B=2 /bin/sh -c make all'), 'RUN make all');
  });
});
