import * as assert from 'assert';
import { dockerfileImageRefs, refAt } from '../../src/core/dockerfile-refs';

const refs = (text: string) =>
  dockerfileImageRefs(text).map((r) => ({ i: r.instruction, resolved: r.resolved, stage: r.stage?.name, scratch: r.scratch }));

describe('image references in Dockerfiles', () => {
  it('finds FROM images and tells stage names apart', () => {
    const text = ['FROM golang:1.22 AS build', 'RUN go build', 'FROM build AS test', 'FROM alpine:3.19', 'COPY --from=build /app /app'].join('\n');
    assert.deepStrictEqual(refs(text), [
      { i: 'FROM', resolved: 'golang:1.22', stage: undefined, scratch: false },
      { i: 'FROM', resolved: 'build', stage: 'build', scratch: false },
      { i: 'FROM', resolved: 'alpine:3.19', stage: undefined, scratch: false },
      { i: 'COPY', resolved: 'build', stage: 'build', scratch: false },
    ]);
  });

  it('resolves ARG defaults declared before the first FROM', () => {
    const text = ['ARG BASE=debian', 'ARG TAG="12-slim"', 'FROM ${BASE}:${TAG}', 'FROM $BASE:${MISSING:-bookworm}'].join('\n');
    const found = dockerfileImageRefs(text);
    assert.strictEqual(found[0].resolved, 'debian:12-slim');
    assert.strictEqual(found[0].raw, '${BASE}:${TAG}');
    assert.strictEqual(found[1].resolved, 'debian:bookworm');
  });

  it('reports arguments without a default as unresolved', () => {
    const [ref] = dockerfileImageRefs('ARG IMAGE\nFROM ${IMAGE}');
    assert.deepStrictEqual(ref.unresolved, ['IMAGE']);
  });

  it('reads --platform, digests, lowercase instructions and scratch', () => {
    const digest = 'sha256:' + 'b'.repeat(64);
    const text = `from --platform=linux/arm64 nginx@${digest}\nFROM scratch`;
    const found = dockerfileImageRefs(text);
    assert.strictEqual(found[0].platform, 'linux/arm64');
    assert.strictEqual(found[0].resolved, `nginx@${digest}`);
    assert.ok(found[1].scratch);
  });

  it('finds RUN --mount from= and skips numeric stage indexes', () => {
    const text = 'FROM alpine\nRUN --mount=type=cache,from=tools:1,target=/t make\nCOPY --from=0 /a /b';
    assert.deepStrictEqual(
      refs(text).map((r) => [r.i, r.resolved]),
      [
        ['FROM', 'alpine'],
        ['RUN', 'tools:1'],
      ],
    );
  });

  it('follows line continuations, comments, heredocs and the escape directive', () => {
    const text = [
      '# escape=`',
      '# a comment mentioning FROM fake:1',
      'FROM `',
      '  mcr.microsoft.com/windows/servercore:ltsc2022 AS base',
      'RUN <<EOF',
      'FROM not-an-instruction',
      'EOF',
      'FROM base',
    ].join('\n');
    assert.deepStrictEqual(
      refs(text).map((r) => [r.resolved, r.stage]),
      [
        ['mcr.microsoft.com/windows/servercore:ltsc2022', undefined],
        ['base', 'base'],
      ],
    );
  });

  it('finds the reference under a position', () => {
    const found = dockerfileImageRefs('FROM nginx:1.25\n');
    assert.strictEqual(refAt(found, { line: 0, character: 7 })?.resolved, 'nginx:1.25');
    assert.strictEqual(refAt(found, { line: 0, character: 2 }), undefined);
  });
});
