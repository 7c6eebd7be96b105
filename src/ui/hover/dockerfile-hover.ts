// Hovers on image references in Dockerfiles: what the image is, if it is here, and links to act on it.
import * as vscode from 'vscode';
import { appendPlain, commandUri } from '../markdown';
import { BackendError, userMessage } from '../../backend/backend';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { dockerfileImageRefs, refAt, type DockerfileImageRef } from '../../core/dockerfile-refs';
import { formatAge, formatBytes, unixSeconds } from '../../core/format';
import type { ImageInspect } from '../../core/model';
import { freshness } from '../../core/freshness';
import { familiarString, parseReference, shortId, splitName, type ImageReference } from '../../core/reference';
import type { RegistryClient } from '../../backend/registry/registry-client';
import { formatCount } from '../../core/format';
import { imagesUsing } from '../../core/sharing';
import type { WasteMarks } from '../tree/waste-marks';


const LOOKUP_TIMEOUT_MS = 2000;
const HOVER_COMMANDS = [
  'imageLayers.inspectImage',
  'imageLayers.showHistory',
  'imageLayers.revealImage',
  'imageLayers.pullImage',
];

const REMOTE_CACHE_MS = 60_000;

export class DockerfileHoverProvider implements vscode.HoverProvider {
  /** By document, not by name: a new untitled document takes the name and version of a closed one. */
  private readonly parsed = new WeakMap<vscode.TextDocument, { version: number; text: string; refs: DockerfileImageRef[] }>();
  private readonly remote = new Map<string, { at: number; digest: Promise<string> }>();

  constructor(
    private readonly catalog: () => Promise<ImageCatalog>,
    // Shared with the backend: a token its pull got serves the hover's check. The hover waits LOOKUP_TIMEOUT_MS
    // for the answer; a slower one is still cached for the next hover.
    private readonly registry: RegistryClient,
    private readonly waste: WasteMarks,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const ref = refAt(this.refsOf(document), position);
    if (!ref) return undefined;
    const range = new vscode.Range(
      ref.range.start.line,
      ref.range.start.character,
      ref.range.end.line,
      ref.range.end.character,
    );
    return new vscode.Hover(await this.describe(ref), range);
  }

  private refsOf(document: vscode.TextDocument): DockerfileImageRef[] {
    let parsed = this.parsed.get(document);
    // The text too: a document reopened under a closed one's name can be the same object at the same version.
    const text = document.getText();
    if (parsed?.version !== document.version || parsed.text !== text) {
      parsed = { version: document.version, text, refs: dockerfileImageRefs(text) };
      this.parsed.set(document, parsed);
    }
    return parsed.refs;
  }

  private async describe(ref: DockerfileImageRef): Promise<vscode.MarkdownString> {
    const md = new vscode.MarkdownString();
    md.isTrusted = { enabledCommands: HOVER_COMMANDS };
    if (ref.stage) {
      md.appendMarkdown('Build stage **');
      appendPlain(md, ref.stage.name);
      md.appendMarkdown(`**, defined by the \`FROM\` on line ${ref.stage.line + 1}.`);
      return md;
    }
    if (ref.scratch) {
      md.appendMarkdown('`scratch`: the empty image. The next step starts from no layers at all.');
      return md;
    }
    if (ref.unresolved.length > 0) {
      md.appendMarkdown('Depends on build argument');
      md.appendMarkdown(ref.unresolved.length > 1 ? 's ' : ' ');
      appendPlain(md, ref.unresolved.join(', '));
      md.appendMarkdown(', which has no default here; the image is known only at build time.');
      return md;
    }
    const parsed = parseReference(ref.resolved);
    if (!parsed) {
      appendPlain(md, `"${ref.resolved}" is not a valid image reference.`);
      return md;
    }
    const name = familiarString(parsed);
    appendHeading(md, name, ref);
    const checkRegistry = vscode.workspace.getConfiguration('imageLayers').get<boolean>('hover.checkRegistry', false);
    const remote = checkRegistry ? this.remoteDigest(parsed, name) : undefined;
    let inspect: ImageInspect;
    let catalog: ImageCatalog;
    try {
      catalog = await this.catalog();
      inspect = await withTimeout(catalog.inspect(name), LOOKUP_TIMEOUT_MS);
    } catch (e) {
      if (BackendError.is(e, 'not-found')) {
        md.appendMarkdown('Not present locally.');
        md.appendMarkdown(`\n\n[$(cloud-download) Pull](${commandUri('imageLayers.pullImage', name)})`);
      } else if (BackendError.is(e, 'cancelled')) {
        md.appendMarkdown('$(watch) The image backend did not answer in time; try again in a moment.');
      } else {
        md.appendMarkdown('$(warning) ');
        appendPlain(md, userMessage(e, 'The image backend could not be asked.'));
      }
      md.supportThemeIcons = true;
      if (remote) await appendRemote(md, remote, undefined, parsed);
      return md;
    }
    appendImageFacts(md, name, inspect, await this.glance(catalog, inspect));
    if (remote) await appendRemote(md, remote, inspect, parsed);
    return md;
  }

  /** Shared layers and wasted bytes, where known within a moment: the hover does not wait for a full index. */
  private async glance(catalog: ImageCatalog, inspect: ImageInspect): Promise<Glance> {
    const diffIds = inspect.RootFS?.Layers ?? [];
    const [shared, waste] = await Promise.all([
      withTimeout(sharedLayers(catalog, inspect.Id), GLANCE_WAIT_MS).catch(() => undefined),
      this.waste.within(catalog, inspect.Id, diffIds, inspect.Size, GLANCE_WAIT_MS),
    ]);
    let wasted: Glance['wasted'];
    if (waste && waste.bytes > 0) {
      const worst = waste.layers.reduce((best, w, i) => (w.bytes > waste.layers[best].bytes ? i : best), 0);
      wasted = { bytes: waste.bytes, layers: waste.layers.filter((w) => w.bytes > 0).length, worst };
    }
    return { shared, wasted, knownWaste: waste !== undefined };
  }

  private remoteDigest(ref: ImageReference, name: string): Promise<string> {
    const cached = this.remote.get(name);
    if (cached && Date.now() - cached.at < REMOTE_CACHE_MS) return cached.digest;
    const digest = this.registry.remoteDigest(ref);
    digest.catch(() => this.remote.delete(name));
    this.remote.set(name, { at: Date.now(), digest });
    return digest;
  }
}

async function appendRemote(
  md: vscode.MarkdownString,
  remote: Promise<string>,
  inspect: ImageInspect | undefined,
  ref: ImageReference,
) {
  md.supportThemeIcons = true;
  md.appendMarkdown('\n\n---\n\n');
  try {
    const digest = await withTimeout(remote, LOOKUP_TIMEOUT_MS);
    md.appendMarkdown('Registry digest: ');
    appendPlain(md, digest);
    if (inspect) {
      const state = freshness(inspect.RepoDigests, ref, digest);
      if (state === 'up-to-date') md.appendMarkdown('  \n$(check) The local copy is up to date.');
      else if (state === 'outdated') md.appendMarkdown('  \n$(arrow-circle-up) The registry has a newer image than the local copy.');
      else md.appendMarkdown('  \n$(question) The local copy was not pulled from this registry; cannot compare.');
    }
  } catch (e) {
    md.appendMarkdown('$(warning) Registry: ');
    appendPlain(md, userMessage(e, 'no answer.'));
  }
}

function appendHeading(md: vscode.MarkdownString, name: string, ref: DockerfileImageRef) {
  md.appendMarkdown('**');
  appendPlain(md, name);
  md.appendMarkdown('**');
  if (ref.platform) {
    md.appendMarkdown(' for ');
    appendPlain(md, ref.platform);
  }
  if (ref.raw !== ref.resolved) {
    md.appendMarkdown(' (from ');
    appendPlain(md, ref.raw);
    md.appendMarkdown(')');
  }
  md.appendMarkdown('\n\n');
}

/** How long the hover waits for the sharing index and the waste marks before it shows what it has. */
const GLANCE_WAIT_MS = 500;
/** How many labels the hover names; Inspect has them all. */
const HOVER_LABELS = 3;

interface Glance {
  /** Layers other images use too, and their bytes; undefined while the sharing index is not ready. */
  shared?: { layers: number; bytes: number };
  /** Dead bytes, in how many layers, and the layer (RootFS index) with the most. */
  wasted?: { bytes: number; layers: number; worst: number };
  /** Whether the waste was looked at (the store, or layers read already); "none wasted" only then. */
  knownWaste: boolean;
}

/** The layers of `id` that other images use too: how many, and their bytes. */
async function sharedLayers(catalog: ImageCatalog, id: string): Promise<{ layers: number; bytes: number }> {
  const [index, details] = await Promise.all([catalog.layerIndex(), catalog.detailsOf(id)]);
  let layers = 0;
  let bytes = 0;
  for (const step of stepsOf(details)) {
    if (step.layerIndex === undefined || imagesUsing(index, id, step.layerIndex) < 2) continue;
    layers++;
    bytes += step.size;
  }
  return { layers, bytes };
}

// Short on purpose: near the top of a file the hover opens below the line with little room, and a long one is
// cut off with its links. The facts that answer "why is it big" first, then the links, then the rest.
function appendImageFacts(md: vscode.MarkdownString, name: string, i: ImageInspect, glance: Glance) {
  const c = i.Config ?? {};
  const created = unixSeconds(i.Created);
  const layerCount = i.RootFS?.Layers?.length ?? 0;
  md.appendMarkdown(`**${formatBytes(i.Size)}** · ${formatCount(layerCount, 'layer')}`);
  if (created) md.appendMarkdown(` · ${formatAge(created)}`);
  md.appendMarkdown('  \n');
  const facts: string[] = [];
  if (glance.shared) {
    facts.push(
      glance.shared.layers > 0
        ? `$(references) ${formatCount(glance.shared.layers, 'layer')} (${formatBytes(glance.shared.bytes)}) shared with other images`
        : 'No layer shared with another image',
    );
  }
  if (glance.wasted) {
    facts.push(`$(warning) ${formatBytes(glance.wasted.bytes)} wasted (hidden by later layers), most in layer ${glance.wasted.worst + 1}`);
  } else if (glance.knownWaste) {
    facts.push('No bytes wasted');
  }
  if (facts.length) md.appendMarkdown(`${facts.join('  \n')}  \n`);
  md.supportThemeIcons = true;
  md.appendMarkdown(
    `[$(json) Inspect](${commandUri('imageLayers.inspectImage', name)}) · ` +
      `[$(history) History](${commandUri('imageLayers.showHistory', name)}) · ` +
      `[$(list-tree) Reveal in Images](${commandUri('imageLayers.revealImage', name)})\n\n---\n\n`,
  );
  const platform = [i.Os, i.Architecture, i.Variant].filter(Boolean).join('/');
  const digest = i.RepoDigests[0] && splitName(i.RepoDigests[0]).digest;
  appendPlain(md, `ID ${shortId(i.Id)}${platform ? ` · ${platform}` : ''}${digest ? ` · ${digest.slice(0, 19)}…` : ''}`);
  md.appendMarkdown('  \n');
  const run: string[] = [];
  const ports = Object.keys(c.ExposedPorts ?? {});
  if (ports.length) run.push(`Ports ${ports.join(', ')}`);
  if (c.Entrypoint?.length) run.push(`Entrypoint ${JSON.stringify(c.Entrypoint)}`);
  if (c.Cmd?.length) run.push(`Cmd ${JSON.stringify(c.Cmd)}`);
  if (run.length) {
    appendPlain(md, run.join(' · '));
    md.appendMarkdown('  \n');
  }
  const labels = Object.entries(c.Labels ?? {});
  if (labels.length) {
    appendPlain(md, labels.slice(0, HOVER_LABELS).map(([k, v]) => clip(`${k}=${v}`, 200)).join(' · '));
    if (labels.length > HOVER_LABELS) md.appendMarkdown(` and ${labels.length - HOVER_LABELS} more labels`);
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BackendError('cancelled', 'Timed out.')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
