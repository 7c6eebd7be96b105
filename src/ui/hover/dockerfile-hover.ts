// Hovers on image references in Dockerfiles: what the image is, if it is here, and links to act on it.
import * as vscode from 'vscode';
import { appendPlain, commandUri } from '../markdown';
import { BackendError, userMessage } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import { dockerfileImageRefs, refAt, type DockerfileImageRef } from '../../core/dockerfile-refs';
import { formatAge, formatBytes, unixSeconds } from '../../core/format';
import type { ImageInspect } from '../../core/model';
import { freshness } from '../../core/freshness';
import { familiarString, parseReference, shortId, splitName, type ImageReference } from '../../core/reference';
import type { RegistryClient } from '../../backend/registry/registry-client';


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
  private readonly parsed = new WeakMap<vscode.TextDocument, { version: number; refs: DockerfileImageRef[] }>();
  private readonly remote = new Map<string, { at: number; digest: Promise<string> }>();

  constructor(
    private readonly catalog: () => Promise<ImageCatalog>,
    // Shared with the backend: a token its pull got serves the hover's check. The hover waits LOOKUP_TIMEOUT_MS
    // for the answer; a slower one is still cached for the next hover.
    private readonly registry: RegistryClient,
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
    if (parsed?.version !== document.version) {
      parsed = { version: document.version, refs: dockerfileImageRefs(document.getText()) };
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
    try {
      const catalog = await this.catalog();
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
    appendImageFacts(md, name, inspect);
    if (remote) await appendRemote(md, remote, inspect, parsed);
    return md;
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

function appendImageFacts(md: vscode.MarkdownString, name: string, i: ImageInspect) {
  const c = i.Config ?? {};
  const created = unixSeconds(i.Created);
  const rows: [string, string][] = [
    ['ID', shortId(i.Id)],
    ['Digest', (i.RepoDigests[0] && splitName(i.RepoDigests[0]).digest) ?? '—'],
    ['Created', created ? formatAge(created) : '—'],
    ['Size', formatBytes(i.Size)],
    ['Layers', String(i.RootFS?.Layers?.length ?? 0)],
    ['Platform', [i.Os, i.Architecture, i.Variant].filter(Boolean).join('/')],
  ];
  const ports = Object.keys(c.ExposedPorts ?? {});
  if (ports.length) rows.push(['Ports', ports.join(', ')]);
  if (c.Entrypoint?.length) rows.push(['Entrypoint', JSON.stringify(c.Entrypoint)]);
  if (c.Cmd?.length) rows.push(['Cmd', JSON.stringify(c.Cmd)]);
  for (const [key, value] of rows) {
    md.appendMarkdown(`${key}: `);
    appendPlain(md, value);
    md.appendMarkdown('  \n');
  }
  const labels = Object.entries(c.Labels ?? {});
  if (labels.length) {
    md.appendMarkdown('\nLabels:  \n');
    for (const [k, v] of labels.slice(0, 8)) {
      appendPlain(md, `${k}=${v}`);
      md.appendMarkdown('  \n');
    }
  }
  md.appendMarkdown(
    `\n[Inspect](${commandUri('imageLayers.inspectImage', name)}) · ` +
      `[History](${commandUri('imageLayers.showHistory', name)}) · ` +
      `[Reveal in Images](${commandUri('imageLayers.revealImage', name)})`,
  );
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
