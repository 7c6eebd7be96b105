// The Layers view: every layer the backend holds, largest first, and under each the images that use it.
import * as vscode from 'vscode';
import { RootListing } from './root-listing';
import { appendPlain } from '../markdown';
import { loggedMessage } from '../log';
import type { ImageCatalog } from '../../backend/catalog';
import { formatBytes } from '../../core/format';
import { shortId } from '../../core/reference';
import { oneLine } from '../../core/layer-glance';
import { describeUsers, layersBySize, type LayerUsage } from '../../core/sharing';
import { LayerPackagesLines } from './layer-packages';

export class LayerUsageNode {
  constructor(readonly usage: LayerUsage) {}
}
export class LayerUserNode {
  constructor(
    readonly layer: LayerUsageNode,
    readonly imageId: string,
    readonly name: string,
  ) {}
  get ref(): string {
    return this.name.includes(':') && !this.name.startsWith('sha256:') ? this.name : this.imageId;
  }
}
type Node = LayerUsageNode | LayerUserNode | vscode.TreeItem;

export class LayersTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  private readonly roots = new RootListing<Node>();
  private readonly packages: LayerPackagesLines;

  constructor(private readonly catalog: () => Promise<ImageCatalog>) {
    // A layer's packages are what it changed in the first image using it (the same layer below it in every image).
    this.packages = new LayerPackagesLines(catalog, (id) => {
      void this.getChildren().then((nodes) => nodes.filter((n) => n instanceof LayerUsageNode && n.usage.imageIds[0] === id).forEach((n) => this.changed.fire(n)), () => undefined);
    });
  }

  refresh(): void {
    this.roots.reset();
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node instanceof LayerUsageNode) {
      return node.usage.imageIds.map((id, i) => new LayerUserNode(node, id, node.usage.imageNames[i]));
    }
    if (node) return [];
    return this.roots.get(async () => {
      try {
        const index = await (await this.catalog()).layerIndex();
        return layersBySize(index).map((u) => new LayerUsageNode(u));
      } catch (e) {
        const item = new vscode.TreeItem(loggedMessage(e, 'Layers view'));
        item.iconPath = new vscode.ThemeIcon('error');
        return [item];
      }
    });
  }

  getParent(node: Node): Node | undefined {
    return node instanceof LayerUserNode ? node.layer : undefined;
  }

  /** The tooltip, made when the user hovers a layer: a store with thousands of layers sends none up front. */
  async resolveTreeItem(item: vscode.TreeItem, node: Node): Promise<vscode.TreeItem> {
    if (node instanceof LayerUsageNode) {
      const u = node.usage;
      const packages = u.imageIds[0] ? await this.packages.line(u.imageIds[0], u.depth).catch(() => undefined) : undefined;
      item.tooltip = layerTooltip(u, packages);
    }
    return item;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node instanceof LayerUsageNode) {
      const u = node.usage;
      const users = u.imageIds.length;
      // The size and who shares it, where a narrow side bar still shows them; the diff ID is in the tooltip.
      const item = new vscode.TreeItem(formatBytes(u.size), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `layer:${u.chainId}`;
      item.description = [describeUsers(users), oneLine(u.createdBy)].filter(Boolean).join(' · ');
      item.iconPath = new vscode.ThemeIcon('layers', users > 1 ? new vscode.ThemeColor('charts.blue') : undefined);
      item.contextValue = users > 1 ? 'layer.shared' : 'layer';
      return item;
    }
    if (node instanceof LayerUserNode) {
      const item = new vscode.TreeItem(node.name);
      item.id = `layer:${node.layer.usage.chainId}:${node.imageId}`;
      item.description = shortId(node.imageId);
      item.iconPath = new vscode.ThemeIcon('tag');
      item.contextValue = 'image.user';
      item.command = { command: 'imageLayers.revealImage', title: 'Reveal', arguments: [node.ref] };
      return item;
    }
    return node;
  }
}

/** Shows at most this many image names in a layer's tooltip. */
const TOOLTIP_NAMES = 20;

function layerTooltip(u: LayerUsage, packages: string | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  appendPlain(md, `Diff ID: ${u.diffId}\nChain ID: ${u.chainId}\nDepth: ${u.depth + 1}\nSize: ${formatBytes(u.size)}${packages ? `\n${packages}` : ''}`);
  md.appendMarkdown(`\n\n${u.imageIds.length > 1 ? `Shared by ${u.imageIds.length} images` : 'Used by 1 image'}:  \n`);
  for (const name of u.imageNames.slice(0, TOOLTIP_NAMES)) {
    appendPlain(md, name);
    md.appendMarkdown('  \n');
  }
  const more = u.imageNames.length - TOOLTIP_NAMES;
  if (more > 0) appendPlain(md, `and ${more} more`);
  return md;
}
