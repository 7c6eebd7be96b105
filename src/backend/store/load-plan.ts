// What an input holds: for each image, its config file, its layer files bottom to top, and its tags. Read
// from a `docker save` manifest.json (both the legacy and the Docker 25+ layout carry one) or, for a plain
// OCI image layout, from index.json and the manifests it points at.
import { promises as fs } from 'fs';
import { BackendError } from '../backend';
import { parseDigest } from '../../core/digest';
import { familiarString, parseReference, shortId } from '../../core/reference';
import type { ArchiveFiles, StagedFile } from './archive-reader';
import { MAX_JSON_BYTES } from './image-config';

export interface PlannedImage {
  /** Names the image in error sentences: its first tag or its position. */
  label: string;
  config: StagedFile;
  /** Expected sha256 of the config bytes when the input names it by digest. */
  configDigest?: string;
  layers: { file: StagedFile; digest?: string; size?: number }[];
  /** Familiar `repo:tag` names. */
  tags: string[];
  /** The parent image's ID as the manifest names it (`docker save` of images built with parents). */
  parentConfig?: string;
}

export async function readJsonFile(file: StagedFile, what: string): Promise<unknown> {
  if (file.size > MAX_JSON_BYTES) {
    throw new BackendError('invalid-input', `${what} is ${file.size} bytes, too large to be a manifest or config.`);
  }
  const text = file.bytes ? file.bytes.toString('utf8') : await fs.readFile(file.path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BackendError('invalid-input', `${what} is not valid JSON.`, String(e));
  }
}

function blobDigestOfPath(p: string): string | undefined {
  const m = /^(?:\.\/)?blobs\/sha256\/([a-f0-9]{64})$/.exec(p);
  return m ? 'sha256:' + m[1] : undefined;
}

function normaliseTag(raw: unknown, source: string): string {
  const ref = typeof raw === 'string' ? parseReference(raw) : undefined;
  if (!ref || ref.digest) throw new BackendError('invalid-input', `${source} has an invalid tag ${JSON.stringify(raw)?.slice(0, 100)}.`);
  return familiarString(ref, true);
}

function planFromDockerManifest(files: ArchiveFiles, manifest: unknown): PlannedImage[] {
  const source = files.source;
  if (!Array.isArray(manifest)) throw new BackendError('invalid-input', `The manifest.json of ${source} is not a list of images.`);
  return manifest.map((raw, i): PlannedImage => {
    if (!raw || typeof raw !== 'object') throw new BackendError('invalid-input', `Entry ${i + 1} of the manifest.json of ${source} is not an object.`);
    const m = raw as Record<string, unknown>;
    if (typeof m.Config !== 'string') throw new BackendError('invalid-input', `Entry ${i + 1} of the manifest.json of ${source} has no Config file name.`);
    if (!Array.isArray(m.Layers) || !m.Layers.every((l) => typeof l === 'string')) {
      throw new BackendError('invalid-input', `Entry ${i + 1} of the manifest.json of ${source} has no Layers list.`);
    }
    if (m.RepoTags !== undefined && m.RepoTags !== null && !Array.isArray(m.RepoTags)) {
      throw new BackendError('invalid-input', `Entry ${i + 1} of the manifest.json of ${source} has RepoTags that are not a list.`);
    }
    const tags = ((m.RepoTags as unknown[] | null | undefined) ?? []).map((t) => normaliseTag(t, source));
    const label = tags[0] ?? `image ${i + 1} of ${source}`;
    const config = files.get(m.Config, `the config of ${label}`);
    const layers = (m.Layers as string[]).map((l, n) => {
      const file = files.get(l, `layer ${n + 1} of ${label}`);
      return { file, digest: blobDigestOfPath(l) };
    });
    return {
      label,
      config,
      configDigest: blobDigestOfPath(m.Config),
      layers,
      tags,
      parentConfig: typeof m.Parent === 'string' && m.Parent ? m.Parent : undefined,
    };
  });
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string };
}

function descriptor(raw: unknown, what: string): Descriptor {
  const d = raw as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object' || !parseDigest(d.digest) || typeof d.size !== 'number' || d.size < 0) {
    throw new BackendError('invalid-input', `${what} is not a valid descriptor (it needs a sha256 digest and a size).`);
  }
  return d as Descriptor;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

async function planFromOciIndex(files: ArchiveFiles): Promise<PlannedImage[]> {
  const source = files.source;
  const blob = (d: Descriptor, what: string): StagedFile => {
    const f = files.get(`blobs/sha256/${parseDigest(d.digest)!.hex}`, what);
    if (f.size !== d.size) {
      throw new BackendError('corrupt', `${what} in ${source} is ${f.size} bytes but its descriptor says ${d.size}.`);
    }
    return f;
  };
  const plans: PlannedImage[] = [];
  const visit = async (d: Descriptor, name: string | undefined, depth: number): Promise<void> => {
    if (depth > 4) throw new BackendError('invalid-input', `${source} nests image indexes too deeply.`);
    const body = (await readJsonFile(blob(d, `manifest ${shortId(d.digest)}`), `Manifest ${shortId(d.digest)} of ${source}`)) as Record<string, unknown>;
    const mediaType = (body?.mediaType as string | undefined) ?? d.mediaType;
    if (Array.isArray(body?.manifests) || (mediaType && INDEX_TYPES.has(mediaType))) {
      const children = ((body.manifests as unknown[]) ?? []).map((m, i) => descriptor(m, `Entry ${i + 1} of index ${shortId(d.digest)}`));
      // A multi-platform index: take the linux/amd64 (or the host's) image, as the engine does.
      const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
      const pick = children.find((c) => c.platform?.os === 'linux' && c.platform.architecture === arch) ?? children.find((c) => !c.platform);
      if (!pick) throw new BackendError('invalid-input', `${source} holds no linux/${arch} image.`);
      await visit(pick, name, depth + 1);
      return;
    }
    const config = descriptor(body?.config, `The config descriptor of manifest ${shortId(d.digest)}`);
    if (!Array.isArray(body.layers)) throw new BackendError('invalid-input', `Manifest ${shortId(d.digest)} of ${source} has no layers list.`);
    const label = name ?? `image ${plans.length + 1} of ${source}`;
    const layers = body.layers.map((l, i) => {
      const ld = descriptor(l, `Layer ${i + 1} of ${label}`);
      return { file: blob(ld, `layer ${i + 1} of ${label}`), digest: ld.digest, size: ld.size };
    });
    const existing = plans.find((p) => p.configDigest === config.digest);
    if (existing) {
      if (name && !existing.tags.includes(name)) existing.tags.push(name);
      return;
    }
    plans.push({ label, config: blob(config, `the config of ${label}`), configDigest: config.digest, layers, tags: name ? [name] : [] });
  };
  const index = (await readJsonFile(files.get('index.json', 'its index'), `The index.json of ${source}`)) as Record<string, unknown>;
  if (!index || !Array.isArray(index.manifests)) throw new BackendError('invalid-input', `The index.json of ${source} has no manifests list.`);
  for (const [i, raw] of index.manifests.entries()) {
    const d = descriptor(raw, `Entry ${i + 1} of the index.json of ${source}`);
    const image = d.annotations?.['io.containerd.image.name'];
    const refName = d.annotations?.['org.opencontainers.image.ref.name'];
    // ref.name is often just a tag; only a full reference names an image.
    const candidate = image ?? (refName && /[/:]/.test(refName) ? refName : undefined);
    const ref = candidate ? parseReference(candidate) : undefined;
    await visit(d, ref && !ref.digest ? familiarString(ref, true) : undefined, 0);
  }
  return plans;
}

/** Reads the plan of an input; fails with 'invalid-input' naming what is wrong. */
export async function readLoadPlan(files: ArchiveFiles): Promise<PlannedImage[]> {
  const manifestFile = files.find('manifest.json');
  if (manifestFile) return planFromDockerManifest(files, await readJsonFile(manifestFile, `The manifest.json of ${files.source}`));
  if (files.has('index.json')) return planFromOciIndex(files);
  throw new BackendError('invalid-input', `${files.source} is neither a docker save archive (no manifest.json) nor an OCI image layout (no index.json).`);
}
