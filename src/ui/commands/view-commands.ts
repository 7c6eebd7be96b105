// Commands that arrange the Images view: group, sort, filter, dangling.
import * as vscode from 'vscode';
import type { GroupBy, SortBy } from '../../core/arrange';
import type { ViewOptions } from '../tree/view-options';

export function registerViewCommands(options: ViewOptions): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('imageLayers.groupBy', async () => {
      const current = options.get().groupBy;
      const items: { label: string; value: GroupBy }[] = [
        { label: 'Repository', value: 'repository' },
        { label: 'Registry', value: 'registry' },
        { label: 'None', value: 'none' },
      ];
      const pick = await vscode.window.showQuickPick(
        items.map((i) => ({ ...i, description: i.value === current ? 'current' : undefined })),
        { placeHolder: 'Group images by' },
      );
      if (pick) await options.set('groupBy', pick.value);
    }),
    vscode.commands.registerCommand('imageLayers.sortBy', async () => {
      const current = options.get().sortBy;
      const items: { label: string; value: SortBy }[] = [
        { label: 'Created (newest first)', value: 'created' },
        { label: 'Name', value: 'name' },
        { label: 'Size (largest first)', value: 'size' },
      ];
      const pick = await vscode.window.showQuickPick(
        items.map((i) => ({ ...i, description: i.value === current ? 'current' : undefined })),
        { placeHolder: 'Sort images by' },
      );
      if (pick) await options.set('sortBy', pick.value);
    }),
    vscode.commands.registerCommand('imageLayers.filter', async (text?: string) => {
      const value =
        typeof text === 'string'
          ? text
          : await vscode.window.showInputBox({
              prompt: 'Show images whose tag, ID or digest contains',
              value: options.get().filter,
            });
      if (value !== undefined) await options.setFilter(value);
    }),
    vscode.commands.registerCommand('imageLayers.clearFilter', () => options.setFilter('')),
    vscode.commands.registerCommand('imageLayers.toggleDangling', () =>
      options.set('showDangling', !options.get().showDangling),
    ),
  ];
}
