// The Images view's arrangement: grouping, sorting and dangling from the settings, the filter kept per workspace.
import * as vscode from 'vscode';
import type { ArrangeOptions, GroupBy, SortBy } from '../../core/arrange';

const FILTER_KEY = 'imageLayers.images.filter';

export class ViewOptions {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  get(): ArrangeOptions {
    const config = vscode.workspace.getConfiguration('imageLayers.images');
    return {
      groupBy: config.get<GroupBy>('groupBy', 'repository'),
      sortBy: config.get<SortBy>('sortBy', 'created'),
      showDangling: config.get<boolean>('showDangling', true),
      filter: this.state.get<string>(FILTER_KEY, ''),
    };
  }

  async setFilter(filter: string): Promise<void> {
    await this.state.update(FILTER_KEY, filter.trim());
    this.fire();
  }

  async set<K extends 'groupBy' | 'sortBy' | 'showDangling'>(key: K, value: ArrangeOptions[K]): Promise<void> {
    await vscode.workspace.getConfiguration('imageLayers.images').update(key, value, vscode.ConfigurationTarget.Global);
  }

  fire(): void {
    const filter = this.get().filter;
    void vscode.commands.executeCommand('setContext', 'imageLayers.filtered', filter !== '');
    this.changed.fire();
  }

  watchConfiguration(): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('imageLayers.images')) this.fire();
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
