// The Images view: repositories, a node per tag, and under each image its layers, bottom to top.
import * as vscode from 'vscode';
import { BackendError } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import { formatAge, formatBytes } from '../../core/format';
import { layerSteps, type LayerStep } from '../../core/layers';
import type { ImageSummary } from '../../core/model';
import { sameTag, shortId, splitRepoTag } from '../../core/reference';

export class RepositoryNode {
  readonly type = 'repository';
  constructor(
    readonly repository: string,
    readonly images: ImageNode[],
  ) {}
}

export class ImageNode {
  readonly type = 'image';
  constructor(
    readonly summary: ImageSummary,
    /** `repo:tag` this node stands for; undefined for an untagged image. */
    readonly repoTag: string | undefined,
    readonly parent: RepositoryNode | undefined,
  ) {}
  /** What commands pass on to the backend: the tag when there is one, else the ID. */
  get ref(): string {
    return this.repoTag ?? this.summary.Id;
  }
}

export class LayerNode {
  readonly type = 'layer';
  constructor(
    readonly image: ImageNode,
    readonly step: LayerStep,
  ) {}
}

export class MessageNode {
  readonly type = 'message';
  constructor(
    readonly text: string,
    readonly icon: string,
  ) {}
}

export type ImagesTreeNode = RepositoryNode | ImageNode | LayerNode | MessageNode;

const UNTAGGED = '<none>';

export function groupByRepository(images: ImageSummary[]): RepositoryNode[] {
  const repos = new Map<string, RepositoryNode>();
  const byRepo = new Map<string, { summary: ImageSummary; repoTag?: string }[]>();
  for (const image of images) {
    if (image.RepoTags.length === 0) {
      byRepo.set(UNTAGGED, [...(byRepo.get(UNTAGGED) ?? []), { summary: image }]);
      continue;
    }
    for (const repoTag of image.RepoTags) {
      const { repository } = splitRepoTag(repoTag);
      byRepo.set(repository, [...(byRepo.get(repository) ?? []), { summary: image, repoTag }]);
    }
  }
  for (const [repository, entries] of [...byRepo].sort(([a], [b]) => compareRepos(a, b))) {
    const node = new RepositoryNode(repository, []);
    entries.sort((a, b) => b.summary.Created - a.summary.Created || (a.repoTag ?? '').localeCompare(b.repoTag ?? ''));
    for (const e of entries) node.images.push(new ImageNode(e.summary, e.repoTag, node));
    repos.set(repository, node);
  }
  return [...repos.values()];
}

function compareRepos(a: string, b: string): number {
  if (a === UNTAGGED) return 1;
  if (b === UNTAGGED) return -1;
  return a.localeCompare(b);
}

export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesTreeNode> {
  private readonly changed = new vscode.EventEmitter<ImagesTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Promise<ImagesTreeNode[]> | undefined;

  constructor(
    private catalog: () => Promise<ImageCatalog>,
    private readonly onState: (state: 'ready' | 'empty' | 'unreachable', error?: BackendError) => void,
  ) {}

  refresh(): void {
    this.roots = undefined;
    this.changed.fire(undefined);
  }

  async getChildren(node?: ImagesTreeNode): Promise<ImagesTreeNode[]> {
    if (!node) {
      if (!this.roots) this.roots = this.loadRoots();
      return this.roots;
    }
    if (node instanceof RepositoryNode) return node.images;
    if (node instanceof ImageNode) return this.layersOf(node);
    return [];
  }

  /** The node of an image by tag or ID, for `reveal`. */
  async findImage(ref: string): Promise<ImageNode | undefined> {
    const roots = await this.getChildren();
    const id = ref.replace(/^sha256:/, '');
    for (const root of roots) {
      if (!(root instanceof RepositoryNode)) continue;
      const found = root.images.find(
        (n) => (n.repoTag && sameTag(n.repoTag, ref)) || (/^[0-9a-f]{12,64}$/.test(id) && n.summary.Id.startsWith(`sha256:${id}`)),
      );
      if (found) return found;
    }
    return undefined;
  }

  getParent(node: ImagesTreeNode): ImagesTreeNode | undefined {
    if (node instanceof ImageNode) return node.parent;
    if (node instanceof LayerNode) return node.image;
    return undefined;
  }

  private async loadRoots(): Promise<ImagesTreeNode[]> {
    try {
      const catalog = await this.catalog();
      const images = await catalog.images();
      this.onState(images.length === 0 ? 'empty' : 'ready');
      return groupByRepository(images);
    } catch (e) {
      const error = BackendError.is(e) ? e : new BackendError('failed', String((e as Error)?.message ?? e));
      this.onState(error.kind === 'unreachable' ? 'unreachable' : 'ready', error);
      if (error.kind === 'unreachable') return [];
      return [new MessageNode(error.message, 'error')];
    }
  }

  private async layersOf(image: ImageNode): Promise<ImagesTreeNode[]> {
    try {
      const catalog = await this.catalog();
      const { inspect, history } = await catalog.detailsOf(image.summary.Id);
      return layerSteps(inspect, history).map((step) => new LayerNode(image, step));
    } catch (e) {
      return [new MessageNode(BackendError.is(e) ? e.message : String(e), 'error')];
    }
  }

  getTreeItem(node: ImagesTreeNode): vscode.TreeItem {
    if (node instanceof RepositoryNode) {
      const item = new vscode.TreeItem(node.repository, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `repo:${node.repository}`;
      item.iconPath = new vscode.ThemeIcon('repo');
      item.description = node.images.length === 1 ? '1 image' : `${node.images.length} images`;
      item.contextValue = 'repository';
      return item;
    }
    if (node instanceof ImageNode) return imageItem(node);
    if (node instanceof LayerNode) return layerItem(node);
    const item = new vscode.TreeItem(node.text);
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = 'message';
    return item;
  }
}

function imageItem(node: ImageNode): vscode.TreeItem {
  const s = node.summary;
  const label = node.repoTag ? splitRepoTag(node.repoTag).tag : shortId(s.Id);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `image:${s.Id}:${node.repoTag ?? ''}`;
  item.description = `${shortId(s.Id)} · ${formatBytes(s.Size)} · ${formatAge(s.Created)}`;
  item.iconPath = new vscode.ThemeIcon(node.repoTag ? 'tag' : 'circle-large-outline');
  item.contextValue = node.repoTag ? 'image.tagged' : 'image.dangling';
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown('**');
  md.appendText(node.repoTag ?? '<none>');
  md.appendMarkdown('**\n\n');
  md.appendMarkdown(`| | |\n|---|---|\n`);
  const row = (k: string, v: string) => md.appendMarkdown(`| ${k} | \`${v.replace(/[`|]/g, '')}\` |\n`);
  row('ID', s.Id);
  if (s.RepoDigests[0]) row('Digest', s.RepoDigests[0]);
  row('Created', `${new Date(s.Created * 1000).toISOString()} (${formatAge(s.Created)})`);
  row('Size', formatBytes(s.Size));
  item.tooltip = md;
  return item;
}

function layerItem(node: LayerNode): vscode.TreeItem {
  const step = node.step;
  const text = step.createdBy || '(no build step recorded)';
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  item.id = `layer:${node.image.summary.Id}:${node.image.repoTag ?? ''}:${step.index}`;
  if (step.empty) {
    // Empty steps (ENV, CMD, LABEL…) made no layer: everything goes in the dimmed description.
    item.description = text;
    item.iconPath = new vscode.ThemeIcon('circle-small', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = 'step.empty';
  } else {
    item.label = truncate(text, 90);
    item.description = `${formatBytes(step.size)}${step.diffId ? ` · ${shortId(step.diffId)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('layers');
    item.contextValue = 'layer';
  }
  const md = new vscode.MarkdownString();
  md.appendCodeblock(step.createdBy, 'dockerfile');
  if (step.diffId) md.appendMarkdown(`\n\nDiff ID: \`${step.diffId}\``);
  md.appendMarkdown(`\n\nSize: ${formatBytes(step.size)}`);
  item.tooltip = md;
  return item;
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
