// The conformance suite's comparison with the reference: one archive loaded into a real dockerd and into a
// backend that promises Docker's answers (the built-in store) must look the same through ImageBackend: list,
// inspect, history and disk usage. A difference is reported field by field with both values, so the backend can
// be fixed where it strays from Docker.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import Dockerode from 'dockerode';
import * as tar from 'tar-stream';
import type { ImageBackend } from '../../../src/backend/backend';
import { requireCapability } from '../../../src/backend/capabilities';
import { DockerBackend } from '../../../src/backend/docker';
import { sampleImages, writeDockerSaveArchive, type FixtureImage } from '../../fixtures/archives';
import { services, tempDir } from '../env';
import { openSubject, SUBJECTS } from './subjects';

interface Case {
  name: string;
  /** Writes the archive; returns its path. */
  make(dir: string): Promise<string>;
}

const EMPTY_STEPS: FixtureImage = {
  tags: ['diff/empty-steps:1'],
  created: '2024-04-01T00:00:00Z',
  layers: [{ files: [{ path: 'one.txt', content: 'one\n' }] }, { files: [{ path: 'two.txt', content: 'two\n' }] }],
  config: { Env: ['A=1'], User: '1000:1000' },
  history: [
    { created_by: 'ARG VERSION=1', empty_layer: true, created: '2024-03-31T23:00:00Z' },
    { created_by: 'LABEL a=b', empty_layer: true, created: '2024-03-31T23:10:00Z' },
    { created_by: 'COPY one.txt /', created: '2024-03-31T23:20:00Z', comment: 'first layer' },
    { created_by: 'ENV A=1', empty_layer: true, created: '2024-03-31T23:30:00Z' },
    { created_by: 'COPY two.txt /', created: '2024-03-31T23:40:00Z' },
    { created_by: 'USER 1000:1000', empty_layer: true, created: '2024-04-01T00:00:00Z' },
  ],
};

const UNTAGGED: FixtureImage = {
  tags: [],
  created: '2024-05-01T00:00:00Z',
  layers: [{ files: [{ path: 'nameless', content: 'x'.repeat(3000) }] }],
};

const MANY_TAGS: FixtureImage = {
  tags: ['diff/many:1', 'diff/many:2', 'other/name:latest', 'registry.example:5000/team/many:3'],
  created: '2024-06-01T00:00:00Z',
  layers: [{ files: [{ path: 'etc', type: 'dir' }, { path: 'etc/many', content: 'many\n' }, { path: 'link', type: 'symlink', linkname: 'etc/many' }] }],
};

/** Tags in two registries (Docker Hub and another host), no labels, steps without tags: RepoTags order, null Labels and Tags. */
const TWO_REGISTRIES: FixtureImage = {
  tags: ['multi-tag:v1', 'example.com:5000/team/multi-tag:v1', 'multi-tag:latest', 'a.example:5000/multi-tag:v2'],
  created: '2024-07-01T00:00:00Z',
  layers: [{ files: [{ path: 'one', content: '1\n' }] }, { files: [{ path: 'two', content: '2\n' }] }],
  history: [
    { created_by: 'COPY one /', created: '2024-06-30T23:00:00Z' },
    { created_by: 'ENV A=1', empty_layer: true, created: '2024-06-30T23:10:00Z' },
    { created_by: 'COPY two /', created: '2024-07-01T00:00:00Z' },
  ],
};

/** `docker build` of a FROM scratch context written by code, then `docker save` of it: an archive made by dockerd. */
async function buildAndSave(socketPath: string, dir: string): Promise<string> {
  const docker = new Dockerode({ socketPath });
  const pack = tar.pack();
  const dockerfile = [
    'FROM scratch',
    'COPY hello.txt /hello.txt',
    'ENV GREETING=hello PATH=/bin',
    'COPY data/ /opt/data/',
    'LABEL org.example.built="by the differential test"',
    'WORKDIR /opt',
    'EXPOSE 8080/tcp',
    'CMD ["/hello"]',
    '',
  ].join('\n');
  pack.entry({ name: 'Dockerfile' }, dockerfile);
  pack.entry({ name: 'hello.txt' }, 'hello from a built image\n');
  pack.entry({ name: 'data/a.bin' }, Buffer.alloc(5000, 7));
  pack.entry({ name: 'data/b.txt' }, 'bee\n');
  pack.finalize();
  const stream = await docker.buildImage(pack as unknown as NodeJS.ReadableStream, { t: 'diff/built:1', rm: true, forcerm: true });
  const events = await new Promise<Record<string, unknown>[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: unknown, out: Record<string, unknown>[]) => (err ? reject(err) : resolve(out))),
  );
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) throw new Error(`docker build failed: ${JSON.stringify(failed)}`);
  const file = path.join(dir, 'built.tar');
  const saved = await docker.getImage('diff/built:1').get();
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(file);
    saved.pipe(out);
    out.on('finish', resolve);
    saved.on('error', reject);
  });
  return file;
}

const CASES: Case[] = [
  { name: 'samples, legacy layout', make: async (d) => write(d, 'samples-legacy.tar', sampleImages(), { layout: 'legacy' }) },
  { name: 'samples, OCI layout (Docker 25+ save)', make: async (d) => write(d, 'samples-oci.tar', sampleImages(), { layout: 'oci' }) },
  { name: 'samples, gzip layers', make: async (d) => write(d, 'samples-gz.tar', sampleImages(), { gzipLayers: true }) },
  { name: 'empty-layer history steps', make: async (d) => write(d, 'empty-steps.tar', [EMPTY_STEPS]) },
  { name: 'an untagged image alone', make: async (d) => write(d, 'untagged-alone.tar', [UNTAGGED]) },
  { name: 'an untagged image beside a tagged one', make: async (d) => write(d, 'untagged.tar', [UNTAGGED, sampleImages()[0]]) },
  { name: 'several tags on one image', make: async (d) => write(d, 'many.tar', [MANY_TAGS]) },
  { name: 'tags in two registries, no labels: RepoTags order, Labels and Tags null', make: async (d) => write(d, 'two-registries.tar', [TWO_REGISTRIES, sampleImages()[0]]) },
];

async function write(dir: string, name: string, images: FixtureImage[], options: { layout?: 'legacy' | 'oci'; gzipLayers?: boolean } = {}): Promise<string> {
  const file = path.join(dir, name);
  await writeDockerSaveArchive(file, images, options);
  return file;
}

interface Difference {
  field: string;
  dockerd: unknown;
  store: unknown;
}

function compare(prefix: string, a: Record<string, unknown>, b: Record<string, unknown>, fields: string[], out: Difference[]): void {
  for (const f of fields) {
    const x = normaliseForCompare(a[f]);
    const y = normaliseForCompare(b[f]);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ field: `${prefix}.${f}`, dockerd: a[f], store: b[f] });
  }
}

/** Objects with their keys sorted (JSON key order is not part of the answer); lists in order, null as null (both are). */
function normaliseForCompare(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normaliseForCompare);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, normaliseForCompare((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

async function removeAll(backend: ImageBackend): Promise<void> {
  for (const image of await backend.listImages({ all: true })) {
    try {
      await requireCapability(backend, 'manage').removeImage(image.Id, { force: true });
    } catch {
      // a child removed first took it along
    }
  }
}

async function differences(engine: ImageBackend, store: ImageBackend): Promise<Difference[]> {
  const out: Difference[] = [];
  const [dList, sList] = [await engine.listImages(), await store.listImages()];
  const ids = (l: { Id: string }[]) => l.map((i) => i.Id).sort();
  if (JSON.stringify(ids(dList)) !== JSON.stringify(ids(sList))) out.push({ field: 'list.Id', dockerd: ids(dList), store: ids(sList) });
  for (const d of dList) {
    const s = sList.find((x) => x.Id === d.Id);
    if (!s) continue;
    const at = `list[${d.Id.slice(7, 19)}]`;
    compare(at, d as unknown as Record<string, unknown>, s as unknown as Record<string, unknown>, ['RepoTags', 'RepoDigests', 'Created', 'Size', 'Labels'], out);

    const [di, si] = [await engine.inspectImage(d.Id), await store.inspectImage(d.Id)];
    compare(
      `inspect[${d.Id.slice(7, 19)}]`,
      di as unknown as Record<string, unknown>,
      si as unknown as Record<string, unknown>,
      ['Id', 'RepoTags', 'RepoDigests', 'Created', 'Config', 'Architecture', 'Os', 'RootFS', 'Size'],
      out,
    );

    const [dh, sh] = [await engine.imageHistory(d.Id), await store.imageHistory(d.Id)];
    if (dh.length !== sh.length) out.push({ field: `history[${d.Id.slice(7, 19)}].length`, dockerd: dh.length, store: sh.length });
    dh.forEach((row, i) => {
      if (sh[i]) {
        compare(
          `history[${d.Id.slice(7, 19)}][${i}]`,
          row as unknown as Record<string, unknown>,
          sh[i] as unknown as Record<string, unknown>,
          ['Id', 'Created', 'CreatedBy', 'Size', 'Comment', 'Tags'],
          out,
        );
      }
    });
  }
  const [dd, sd] = [await engine.diskUsage(), await store.diskUsage()];
  compare('df', dd as unknown as Record<string, unknown>, sd as unknown as Record<string, unknown>, ['LayersSize'], out);
  for (const d of dd.Images) {
    const s = sd.Images.find((x) => x.Id === d.Id);
    if (!s) out.push({ field: `df.Images[${d.Id.slice(7, 19)}]`, dockerd: 'present', store: 'missing' });
    else compare(`df.Images[${d.Id.slice(7, 19)}]`, d as unknown as Record<string, unknown>, s as unknown as Record<string, unknown>, ['RepoTags', 'Size', 'SharedSize', 'Created'], out);
  }
  return out;
}

/**
 * dockerd's own JSON, not the DockerBackend's reading of it, against the store's answers: the fields where a
 * null and an empty list or object differ (history Tags, list Labels) and where order matters (RepoTags).
 */
async function rawDifferences(socketPath: string, store: ImageBackend): Promise<Difference[]> {
  const docker = new Dockerode({ socketPath });
  const out: Difference[] = [];
  const sList = await store.listImages();
  for (const raw of (await docker.listImages()) as unknown as Record<string, unknown>[]) {
    const id = String(raw.Id);
    const s = sList.find((x) => x.Id === id);
    if (!s) continue;
    const at = id.slice(7, 19);
    // An untagged image's `<none>:<none>` is the one RepoTags spelling the model normalises (docs/engines.md).
    const tagged = !JSON.stringify(raw.RepoTags).includes('<none>');
    compare(`raw list[${at}]`, raw, s as unknown as Record<string, unknown>, tagged ? ['RepoTags', 'Labels'] : ['Labels'], out);
    const inspect = (await docker.getImage(id).inspect()) as unknown as Record<string, unknown>;
    compare(`raw inspect[${at}]`, inspect, (await store.inspectImage(id)) as unknown as Record<string, unknown>, ['RepoTags'], out);
    const rows = (await docker.getImage(id).history()) as unknown as Record<string, unknown>[];
    const sRows = await store.imageHistory(id);
    rows.forEach((row, i) => compare(`raw history[${at}][${i}]`, row, (sRows[i] ?? {}) as unknown as Record<string, unknown>, ['Tags'], out));
  }
  return out;
}

function report(diffs: Difference[]): string {
  return diffs.map((d) => `  ${d.field}\n    dockerd: ${JSON.stringify(d.dockerd)}\n    store:   ${JSON.stringify(d.store)}`).join('\n');
}

for (const subject of SUBJECTS) {
  if (subject.notComparedWithDockerd) continue;

  describe(`Conformance: ${subject.name} answers as dockerd does for the same archives`, function () {
    this.timeout(60_000);
    let engine: DockerBackend;
    let dir: string;

    before(async function () {
      const s = await services();
      engine = new DockerBackend({ host: s.dockerSocket });
      dir = await tempDir('differential');
    });
    after(() => engine?.dispose());

    /** The subject, empty, in a folder of its own. */
    async function fresh(): Promise<ImageBackend> {
      return openSubject(subject, await subject.settings(await fs.promises.mkdtemp(path.join(dir, 'subject-'))));
    }

    async function check(makeArchive: () => Promise<string>): Promise<void> {
      await removeAll(engine);
      const archive = await makeArchive();
      const store = await fresh();
      const [dLoaded, sLoaded] = [await engine.loadArchive(archive), await requireCapability(store, 'archive').loadArchive(archive)];
      const diffs: Difference[] = [];
      if (JSON.stringify([...dLoaded.loaded].sort()) !== JSON.stringify([...sLoaded.loaded].sort())) {
        diffs.push({ field: 'load.loaded', dockerd: dLoaded.loaded, store: sLoaded.loaded });
      }
      diffs.push(...(await differences(engine, store)));
      diffs.push(...(await rawDifferences((await services()).dockerSocket, store)));
      store.dispose();
      assert.ok(diffs.length === 0, `${diffs.length} difference(s):\n${report(diffs)}`);
    }

    for (const c of CASES) {
      it(c.name, async function () {
        await check(() => c.make(dir));
      });
    }

    it('an archive saved by dockerd from a `docker build` (FROM scratch, COPY, ENV, LABEL, WORKDIR, EXPOSE, CMD)', async function () {
      const { dockerSocket } = await services();
      await removeAll(engine);
      const archive = await buildAndSave(dockerSocket, dir);
      await check(async () => archive);
    });

    it(`an archive saved by ${subject.name} loads into dockerd with the same ID and tags`, async function () {
      await removeAll(engine);
      const store = await fresh();
      const archive = await write(dir, 'for-store.tar', sampleImages());
      await requireCapability(store, 'archive').loadArchive(archive);
      const saved = path.join(dir, 'from-store.tar');
      // Every name is asked for: `docker save` of one tag carries that tag only.
      await requireCapability(store, 'archive').saveImages(['sample/app:1.0', 'sample/app:latest', 'sample/base:1.0'], saved);
      await engine.loadArchive(saved);
      const diffs = await differences(engine, store);
      store.dispose();
      assert.ok(diffs.length === 0, `${diffs.length} difference(s):\n${report(diffs)}`);
    });
  });
}
