// The Images view: groups (repositories or registries), a node per tag, and under each image its layers,
// bottom to top, with a mark where other images share a layer. Children are built lazily, on expansion.
import * as vscode from 'vscode';
import { RootListing } from './root-listing';
import { appendPlain } from '../markdown';
import { BackendError, userMessage } from '../../backend/backend';
import { logError, loggedMessage } from '../log';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { arrangeImages, describeEntries, UNTAGGED_GROUP, type ImageEntry } from '../../core/arrange';
import { formatAge, formatBytes } from '../../core/format';
import type { LayerStep } from '../../core/layers';
import type { ImageSummary } from '../../core/model';
import { sameTag, shortId } from '../../core/reference';
import { imagesUsing, type LayerIndex } from '../../core/sharing';
import type { LayerWaste } from '../../core/layer-waste';
import { layerRow, layerTooltip, type LayerRowFacts } from './layer-row';
import type { ShareIcons } from './share-icons';
import type { ViewOptions } from './view-options';
import { LayerPackagesLines } from './layer-packages';
import type { WasteMarks } from './waste-marks';

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
    /** What this layer wrote that a later one hid; undefined while not known. */
    readonly waste?: LayerWaste,
    /** The image's steps, to name the step that hid wasted bytes. */
    readonly steps: readonly LayerStep[] = [],
  ) {}
}

/** A row that says something, or offers a way out (Retry, Clear Filter) when it has a command. */
export class MessageNode {
  readonly type = 'message';
  constructor(
    readonly text: string,
    readonly icon: string,
    readonly command?: vscode.Command,
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
  /** Tree item IDs of the rows the user opened: a row a filter hid comes back open. */
  private readonly expanded = new Set<string>();
  /** The image nodes whose layers are showing, by image ID: told when that image's waste marks arrive. */
  private readonly showingLayers = new Map<string, Set<ImageNode>>();

  constructor(
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly options: ViewOptions,
    private readonly onState: (state: 'ready' | 'empty' | 'unreachable', error?: BackendError) => void,
    private readonly glance: { icons: ShareIcons; waste: WasteMarks },
  ) {
    // Once an image's packages are read, its layer rows are made again, and a hover then shows them.
    this.packages = new LayerPackagesLines(catalog, (id) => {
      void this.imageNodes().then((nodes) => nodes.filter((n) => n.summary.Id === id).forEach((n) => this.changed.fire(n)), () => undefined);
    });
  }

  refresh(): void {
    this.roots.reset();
    this.showingLayers.clear();
    this.changed.fire(undefined);
  }

  /** Keeps a row's open or closed state by its ID (onDidExpandElement / onDidCollapseElement). */
  setExpanded(node: ImagesTreeNode, open: boolean): void {
    const id = nodeId(node);
    if (!id) return;
    if (open) this.expanded.add(id);
    else this.expanded.delete(id);
  }

  /** The waste marks of an image arrived: its open layer lists are drawn again with them. */
  wasteArrived(imageId: string): void {
    for (const node of this.showingLayers.get(imageId) ?? []) this.changed.fire(node);
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
      if (images.length > 0 && options.filter && groups.every((g) => g.entries.length === 0)) {
        return [
          new MessageNode(`No image matches "${options.filter}"`, 'search'),
          new MessageNode('Clear Filter', 'clear-all', { command: 'imageLayers.clearFilter', title: 'Clear Filter' }),
        ];
      }
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
      // The sentence is the view's message (it wraps); the rows under it are the ways out.
      if (error.kind === 'unreachable') return unreachableActions();
      return [new MessageNode(error.message, 'error')];
    }
  }

  private async layersOf(image: ImageNode): Promise<ImagesTreeNode[]> {
    try {
      const catalog = await this.catalog();
      const details = await catalog.detailsOf(image.summary.Id);
      const steps = stepsOf(details);
      const id = image.summary.Id;
      if (!this.showingLayers.has(id)) this.showingLayers.set(id, new Set());
      this.showingLayers.get(id)!.add(image);
      const waste = this.glance.waste.get(id);
      // Marks that are cheap to find arrive later (wasteArrived); the rows do not wait for them.
      if (!waste) void this.glance.waste.request(catalog, id, details.inspect.RootFS?.Layers ?? [], image.summary.Size);
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
      return steps.map(
        (step) =>
          new LayerNode(image, step, shareCount(index, image, step), step.layerIndex === undefined ? undefined : waste?.layers[step.layerIndex], steps),
      );
    } catch (e) {
      return [new MessageNode(loggedMessage(e, `Layers of ${image.ref}`), 'error')];
    }
  }

  async resolveTreeItem(item: vscode.TreeItem, node: ImagesTreeNode): Promise<vscode.TreeItem> {
    if (node instanceof LayerNode) {
      // The packages line needs the layer read: made on hover, as VS Code resolves a tooltip left undefined.
      const packages = node.step.empty ? undefined : await this.packages.line(node.image.summary.Id, node.step.layerIndex).catch(() => undefined);
      item.tooltip = layerTooltip(layerFacts(node), packages);
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
    if (node instanceof GroupNode) return this.keepOpen(groupItem(node));
    if (node instanceof ImageNode) return this.keepOpen(imageItem(node));
    if (node instanceof LayerNode) return this.layerItem(node);
    const item = new vscode.TreeItem(node.text);
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = node.command ? 'message.action' : 'message';
    item.command = node.command;
    if (node.command) item.id = `action:${node.command.command}`;
    item.tooltip = node.text;
    return item;
  }

  private keepOpen(item: vscode.TreeItem): vscode.TreeItem {
    if (item.id && this.expanded.has(item.id)) item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
    return item;
  }

  private layerItem(node: LayerNode): vscode.TreeItem {
    const item = layerRow(layerFacts(node), this.glance.icons);
    item.id = nodeId(node);
    return item;
  }
}

function layerFacts(node: LayerNode): LayerRowFacts {
  return {
    step: node.step,
    imageBytes: node.image.summary.Size,
    usedBy: node.usedBy,
    waste: node.waste,
    stepOfLayer: (i) => node.steps.find((s) => s.layerIndex === i)?.createdBy,
  };
}

/** What a row offers when no engine answers: try again, the store instead, or another engine. */
function unreachableActions(): MessageNode[] {
  return [
    new MessageNode('Retry', 'refresh', { command: 'imageLayers.refresh', title: 'Retry' }),
    new MessageNode('Use Built-in Store', 'database', { command: 'imageLayers.useBuiltinStore', title: 'Use Built-in Store' }),
    new MessageNode('Choose Engine…', 'plug', { command: 'imageLayers.switchBackend', title: 'Choose Engine…' }),
  ];
}

/** The tree item ID of a node, stable across listings: a node made again for the same row has the same ID. */
function nodeId(node: ImagesTreeNode): string | undefined {
  if (node instanceof GroupNode) return `group:${node.name}`;
  if (node instanceof ImageNode) return `image:${node.summary.Id}:${node.repoTag ?? ''}`;
  if (node instanceof LayerNode) return `layer:${node.image.summary.Id}:${node.image.repoTag ?? ''}:${node.step.index}`;
  return undefined;
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
  item.id = nodeId(node);
  item.iconPath = new vscode.ThemeIcon(node.name === UNTAGGED_GROUP ? 'question' : 'repo');
  item.description = describeEntries(node.images.map((i) => ({ image: i.summary, repoTag: i.repoTag, label: i.label })));
  item.contextValue = 'group';
  return item;
}

function imageItem(node: ImageNode): vscode.TreeItem {
  const s = node.summary;
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = nodeId(node);
  // Size first: what a narrow side bar must still show; the ID last, where a cut costs least.
  item.description = `${formatBytes(s.Size)} · ${formatAge(s.Created)} · ${shortId(s.Id)}`;
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
