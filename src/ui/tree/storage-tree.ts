// The Storage view: which backend answers, its driver and root, and where the bytes go.
import * as vscode from 'vscode';
import { RootListing } from './root-listing';
import { loggedMessage } from '../log';
import type { ImageCatalog } from '../../backend/catalog';
import { formatBytes } from '../../core/format';
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
      for (const part of df.Parts ?? []) {
        const item = new vscode.TreeItem(`  ${part.name}`);
        item.description = formatBytes(part.bytes);
        item.tooltip = part.path;
        item.iconPath = new vscode.ThemeIcon('file-directory');
        item.id = `storage:part:${part.name}`;
        items.push(item);
      }
      return items;
    } catch (e) {
      const item = new vscode.TreeItem(loggedMessage(e, 'Storage view'));
      item.iconPath = new vscode.ThemeIcon('error');
      return [item];
    }
  }
}
