// The Storage view: which backend answers, its driver and root, and where the bytes go.
import * as vscode from 'vscode';
import { RootListing } from './root-listing';
import { loggedMessage } from '../log';
import type { ImageCatalog } from '../../backend/catalog';
import { formatBytes } from '../../core/format';
import type { DiskUsage } from '../../core/model';
import { sharingTotals } from '../../core/sharing';

export class StorageTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  private readonly roots = new RootListing<vscode.TreeItem>();

  constructor(private readonly catalog: () => Promise<ImageCatalog>) {}

  refresh(): void {
    this.roots.reset();
    this.changed.fire(undefined);
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (parent instanceof OnDiskItem) return parent.parts;
    if (parent) return [];
    return this.roots.get(() => this.rows());
  }

  private async rows(): Promise<vscode.TreeItem[]> {
    try {
      const catalog = await this.catalog();
      const backend = catalog.backend;
      const [info, df, index] = await Promise.all([backend.info(), backend.diskUsage(), catalog.layerIndex()]);
      const totals = sharingTotals(index);
      const inUse = df.Images.filter((i) => i.Containers > 0).reduce((n, i) => n + i.Size, 0);
      const rows: [string, string, string][] = [
        ['Backend', `${info.Kind} ${info.ServerVersion}`.trim(), 'server-environment'],
        ['Connection', info.Endpoint, 'plug'],
        ['Driver', info.Driver, 'database'],
        ['Root dir', info.DockerRootDir, 'folder'],
        ['Images', String(df.Images.length), 'tag'],
        ['Layers', String(info.Layers ?? totals.layers), 'layers'],
        ['Size', formatBytes(df.LayersSize), 'graph'],
        ['Shared', formatBytes(totals.shared), 'references'],
        ['Unique', formatBytes(totals.unique), 'symbol-field'],
        ['Reclaimable', formatBytes(Math.max(0, df.LayersSize - inUse)), 'trash'],
      ];
      const items = rows.map(([label, value, icon]) => {
        const item = new vscode.TreeItem(label);
        item.description = value;
        item.tooltip = `${label}: ${value}`;
        item.iconPath = new vscode.ThemeIcon(icon);
        item.id = `storage:${label}`;
        return item;
      });
      if (df.Parts?.length) items.push(new OnDiskItem(df.Parts, info.Driver, df.LayersSize));
      return items;
    } catch (e) {
      const item = new vscode.TreeItem(loggedMessage(e, 'Storage view'));
      item.iconPath = new vscode.ThemeIcon('error');
      return [item];
    }
  }
}

/** Drivers that keep each layer's whole filesystem, not its changes: the data on disk outgrows the images' size. */
const COPYING_DRIVERS = new Set(['vfs']);

/** "On disk": the store's or engine's folders (configs, layer metadata, layer data) as child rows, `du` each. */
class OnDiskItem extends vscode.TreeItem {
  readonly parts: vscode.TreeItem[];

  constructor(parts: NonNullable<DiskUsage['Parts']>, driver: string, layersSize: number) {
    super('On disk', vscode.TreeItemCollapsibleState.Expanded);
    this.id = 'storage:on-disk';
    const total = parts.reduce((n, p) => n + p.bytes, 0);
    this.description = formatBytes(total);
    this.tooltip = `What the root's folders take on disk (counted like du): ${formatBytes(total)}.`;
    this.iconPath = new vscode.ThemeIcon('server');
    const copies = COPYING_DRIVERS.has(driver);
    this.parts = parts.map((part) => {
      const item = new vscode.TreeItem(part.name);
      item.id = `storage:part:${part.name}`;
      item.iconPath = new vscode.ThemeIcon('file-directory');
      const explain = copies && part.name === 'layer data' && part.bytes > layersSize;
      item.description = explain ? `${formatBytes(part.bytes)} · ${driver} copies every layer's filesystem` : formatBytes(part.bytes);
      item.tooltip = explain
        ? `${part.path}\n\nThe ${driver} driver keeps each layer as a full copy of the filesystem up to that layer, not only ` +
          `its changes, so the layer data (${formatBytes(part.bytes)}) outgrows the images' Size (${formatBytes(layersSize)}).`
        : part.path;
      return item;
    });
  }
}
