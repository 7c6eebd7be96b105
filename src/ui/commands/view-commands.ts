// Commands that arrange the Images view: group, sort, filter, dangling.
import * as vscode from 'vscode';
import type { GroupBy, SortBy } from '../../core/arrange';
import type { ViewOptions } from '../tree/view-options';

/** A quick pick of one setting's values, the current one marked. */
async function pickOne<T extends string>(placeHolder: string, items: { label: string; value: T }[], current: T): Promise<T | undefined> {
  const pick = await vscode.window.showQuickPick(
    items.map((i) => ({ ...i, description: i.value === current ? 'current' : undefined })),
    { placeHolder },
  );
  return pick?.value;
}

export function registerViewCommands(options: ViewOptions): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('imageLayers.groupBy', async () => {
      const items: { label: string; value: GroupBy }[] = [
        { label: 'Repository', value: 'repository' },
        { label: 'Registry', value: 'registry' },
        { label: 'None', value: 'none' },
      ];
      const value = await pickOne('Group images by', items, options.get().groupBy);
      if (value) await options.set('groupBy', value);
    }),
    vscode.commands.registerCommand('imageLayers.sortBy', async () => {
      const items: { label: string; value: SortBy }[] = [
        { label: 'Created (newest first)', value: 'created' },
        { label: 'Name', value: 'name' },
        { label: 'Size (largest first)', value: 'size' },
      ];
      const value = await pickOne('Sort images by', items, options.get().sortBy);
      if (value) await options.set('sortBy', value);
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
