// The Images view: groups (repositories or registries), a node per tag, and under each image its layers,
// bottom to top, with a mark where other images share a layer. Children are built lazily, on expansion.
import * as vscode from 'vscode';
import { RootListing } from './root-listing';
import { appendCode, appendPlain } from '../markdown';
import { BackendError, userMessage } from '../../backend/backend';
import { logError, loggedMessage } from '../log';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { arrangeImages, describeEntries, UNTAGGED_GROUP, type ImageEntry } from '../../core/arrange';
import { formatAge, formatBytes } from '../../core/format';
import type { LayerStep } from '../../core/layers';
import type { ImageSummary } from '../../core/model';
import { sameTag, shortId } from '../../core/reference';
import { describeUsers, imagesUsing, type LayerIndex } from '../../core/sharing';
import type { ViewOptions } from './view-options';
import { LayerPackagesLines } from './layer-packages';

export class GroupNode {
  readonly type = 'group';
  images: ImageNode[] = [];
  constructor(readonly name: string) {}
}

export class ImageNode {
  readonly type = 'image';
  constructor(
    readonly summary: ImageSummary,
    /** `repo:tag` this node stands for; undefined for an untagged image. */
    readonly repoTag: string | undefined,
    readonly label: string,
    readonly parent: GroupNode | undefined,
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
    /** Images using this layer, this one included (the Layers view's count); undefined while not yet known. */
    readonly usedBy: number | undefined,
  ) {}
}

export class MessageNode {
  readonly type = 'message';
  constructor(
    readonly text: string,
    readonly icon: string,
  ) {}
}

export type ImagesTreeNode = GroupNode | ImageNode | LayerNode | MessageNode;

/** How long an expansion waits for the sharing index before it shows layers without marks. */
const INDEX_WAIT_MS = 300;

export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesTreeNode> {
  private readonly changed = new vscode.EventEmitter<ImagesTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots = new RootListing<ImagesTreeNode>();
  private readonly packages: LayerPackagesLines;

  constructor(
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly options: ViewOptions,
    private readonly onState: (state: 'ready' | 'empty' | 'unreachable', error?: BackendError) => void,
  ) {
    // Once an image's packages are read, its layer rows are made again, and a hover then shows them.
    this.packages = new LayerPackagesLines(catalog, (id) => {
      void this.imageNodes().then((nodes) => nodes.filter((n) => n.summary.Id === id).forEach((n) => this.changed.fire(n)), () => undefined);
    });
  }

  refresh(): void {
    this.roots.reset();
    this.changed.fire(undefined);
  }

  async getChildren(node?: ImagesTreeNode): Promise<ImagesTreeNode[]> {
    if (!node) return this.roots.get((isNewest) => this.loadRoots(isNewest));
    if (node instanceof GroupNode) return node.images;
    if (node instanceof ImageNode) return this.layersOf(node);
    return [];
  }

  getParent(node: ImagesTreeNode): ImagesTreeNode | undefined {
    if (node instanceof ImageNode) return node.parent;
    if (node instanceof LayerNode) return node.image;
    return undefined;
  }

  /** The node of an image by tag or ID, for `reveal`. */
  async findImage(ref: string): Promise<ImageNode | undefined> {
    const id = ref.replace(/^sha256:/, '');
    const isId = /^[0-9a-f]{12,64}$/.test(id);
    for (const node of await this.imageNodes()) {
      if ((node.repoTag && sameTag(node.repoTag, ref)) || (isId && node.summary.Id.startsWith(`sha256:${id}`))) return node;
    }
    return undefined;
  }

  /** Every image node at the second level (or the first, when not grouped). */
  async imageNodes(): Promise<ImageNode[]> {
    const roots = await this.getChildren();
    return roots.flatMap((r) => (r instanceof GroupNode ? r.images : r instanceof ImageNode ? [r] : []));
  }

  private async loadRoots(isNewest: () => boolean): Promise<ImagesTreeNode[]> {
    // Only the newest listing may say what state the view is in.
    const onState: typeof this.onState = (state, error) => {
      if (isNewest()) this.onState(state, error);
    };
    try {
      const catalog = await this.catalog();
      const images = await catalog.images();
      onState(images.length === 0 ? 'empty' : 'ready');
      const options = this.options.get();
      const groups = arrangeImages(images, options);
      if (options.groupBy === 'none') {
        return (groups[0]?.entries ?? []).map((e) => imageNode(e, undefined));
      }
      return groups.map((g) => {
        const group = new GroupNode(g.name);
        group.images = g.entries.map((e) => imageNode(e, group));
        return group;
      });
    } catch (e) {
      const error = BackendError.is(e) ? e : new BackendError('failed', userMessage(e));
      logError(e, 'Images view');
      onState(error.kind === 'unreachable' ? 'unreachable' : 'ready', error);
      if (error.kind === 'unreachable') return [];
      return [new MessageNode(error.message, 'error')];
    }
  }

  private async layersOf(image: ImageNode): Promise<ImagesTreeNode[]> {
    try {
      const catalog = await this.catalog();
      const steps = stepsOf(await catalog.detailsOf(image.summary.Id));
      const indexPromise = catalog.layerIndex();
      const index = await Promise.race([indexPromise, delay(INDEX_WAIT_MS)]);
      if (!index) {
        // Show the layers now; the marks follow when every image has been looked at.
        const generation = catalog.generation;
        void indexPromise.then(
          () => generation === catalog.generation && this.changed.fire(image),
          () => undefined,
        );
      }
      return steps.map((step) => new LayerNode(image, step, shareCount(index, image, step)));
    } catch (e) {
      return [new MessageNode(loggedMessage(e, `Layers of ${image.ref}`), 'error')];
    }
  }

  async resolveTreeItem(item: vscode.TreeItem, node: ImagesTreeNode): Promise<vscode.TreeItem> {
    if (node instanceof LayerNode) {
      // The packages line needs the layer read: made on hover, as VS Code resolves a tooltip left undefined.
      const packages = node.step.empty ? undefined : await this.packages.line(node.image.summary.Id, node.step.layerIndex).catch(() => undefined);
      item.tooltip = layerTooltip(node, packages);
      return item;
    }
    if (!(node instanceof ImageNode)) return item;
    try {
      const { inspect } = await (await this.catalog()).detailsOf(node.summary.Id);
      const platform = [inspect.Os, inspect.Architecture, inspect.Variant].filter(Boolean).join('/');
      item.tooltip = imageTooltip(node, { layers: inspect.RootFS?.Layers?.length ?? 0, platform });
    } catch {
      item.tooltip = imageTooltip(node);
    }
    return item;
  }

  getTreeItem(node: ImagesTreeNode): vscode.TreeItem {
    if (node instanceof GroupNode) return groupItem(node);
    if (node instanceof ImageNode) return imageItem(node);
    if (node instanceof LayerNode) return layerItem(node);
    const item = new vscode.TreeItem(node.text);
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = 'message';
    return item;
  }
}

function imageNode(entry: ImageEntry, parent: GroupNode | undefined): ImageNode {
  return new ImageNode(entry.image, entry.repoTag, entry.label, parent);
}

function shareCount(index: LayerIndex | void, image: ImageNode, step: LayerStep): number | undefined {
  if (!index || step.layerIndex === undefined) return undefined;
  return imagesUsing(index, image.summary.Id, step.layerIndex);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function groupItem(node: GroupNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `group:${node.name}`;
  item.iconPath = new vscode.ThemeIcon(node.name === UNTAGGED_GROUP ? 'question' : 'repo');
  item.description = describeEntries(node.images.map((i) => ({ image: i.summary, repoTag: i.repoTag, label: i.label })));
  item.contextValue = 'group';
  return item;
}

function imageItem(node: ImageNode): vscode.TreeItem {
  const s = node.summary;
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `image:${s.Id}:${node.repoTag ?? ''}`;
  item.description = `${shortId(s.Id)} · ${formatBytes(s.Size)} · ${formatAge(s.Created)}`;
  item.iconPath = new vscode.ThemeIcon(node.repoTag ? 'tag' : 'circle-large-outline');
  item.contextValue = node.repoTag ? 'image.tagged' : 'image.dangling';
  return item;
}

/** The markdown tooltip of an image, filled in when the user hovers (resolveTreeItem). */
export function imageTooltip(node: ImageNode, details?: { layers: number; platform: string }): vscode.MarkdownString {
  const s = node.summary;
  const md = new vscode.MarkdownString();
  md.appendMarkdown('**');
  appendPlain(md, node.repoTag ?? '<none>');
  md.appendMarkdown('**\n\n');
  const row = (k: string, v: string) => {
    md.appendMarkdown(`${k}: `);
    appendPlain(md, v);
    md.appendMarkdown('  \n');
  };
  row('ID', s.Id);
  if (s.RepoDigests[0]) row('Digest', s.RepoDigests[0]);
  row('Created', `${new Date(s.Created * 1000).toISOString()} (${formatAge(s.Created)})`);
  row('Size', formatBytes(s.Size));
  if (details) {
    row('Layers', String(details.layers));
    row('Platform', details.platform);
  }
  return md;
}

function layerItem(node: LayerNode): vscode.TreeItem {
  const step = node.step;
  const text = step.createdBy || '(no build step recorded)';
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  item.id = `layer:${node.image.summary.Id}:${node.image.repoTag ?? ''}:${step.index}`;
  const shared = (node.usedBy ?? 1) > 1;
  if (step.empty) {
    // Empty steps (ENV, CMD, LABEL…) made no layer: everything goes in the dimmed description.
    item.description = truncate(text, 120) + (step.uncertain ? ` · ${UNCERTAIN_EMPTY}` : '');
    item.iconPath = new vscode.ThemeIcon('circle-small', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = 'step.empty';
  } else {
    item.label = truncate(text, 90);
    // Size and sharing first: the view is narrow and the diff ID matters least.
    const parts = [formatBytes(step.size)];
    if (shared) parts.push(describeUsers(node.usedBy ?? 1));
    if (step.diffId) parts.push(shortId(step.diffId));
    if (step.uncertain) parts.push(UNCERTAIN_LAYER);
    item.description = parts.join(' · ');
    item.iconPath = new vscode.ThemeIcon(
      'layers',
      shared ? new vscode.ThemeColor('charts.blue') : undefined,
    );
    item.contextValue = shared ? 'layer.shared' : 'layer';
  }
  return item;
}

/** A layer row's tooltip: its step, diff ID, size, sharing, and the packages line when the image has packages. */
export function layerTooltip(node: LayerNode, packages?: string): vscode.MarkdownString {
  const step = node.step;
  const md = new vscode.MarkdownString();
  appendCode(md, step.createdBy, 'dockerfile');
  if (step.diffId) {
    md.appendMarkdown('\n\nDiff ID: ');
    appendPlain(md, step.diffId);
  }
  md.appendMarkdown(`\n\nSize: ${formatBytes(step.size)}`);
  if ((node.usedBy ?? 1) > 1) md.appendMarkdown(`\n\nShared by ${node.usedBy} images.`);
  if (packages) {
    md.appendMarkdown('\n\n');
    appendPlain(md, packages);
  }
  if (step.uncertain) md.appendMarkdown(`\n\n${UNCERTAIN_TOOLTIP}`);
  return md;
}

const UNCERTAIN_LAYER = 'step uncertain';
const UNCERTAIN_EMPTY = 'may have made a layer';
const UNCERTAIN_TOOLTIP =
  "The engine's history does not say which of its zero-size steps made layers: this pairing is the likeliest, not a certainty.";

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
