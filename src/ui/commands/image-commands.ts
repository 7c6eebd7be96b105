// Commands that show an image: inspect, history, reveal, copy its ID, digest or name.
import * as vscode from 'vscode';
import { guarded, pickRef, type CommandContext, type Target } from './command-context';

export function registerImageCommands(ctx: CommandContext): vscode.Disposable[] {
  const copy = (what: 'id' | 'digest' | 'tag') =>
    guarded(async (target: Target) => {
      const ref = await pickRef(target, ctx);
      if (!ref) return;
      const inspect = await (await ctx.catalog()).inspect(ref);
      const text = what === 'id' ? inspect.Id : what === 'digest' ? inspect.RepoDigests[0] : ref.startsWith('sha256:') ? inspect.RepoTags[0] : ref;
      if (!text) {
        void vscode.window.showInformationMessage(what === 'digest' ? `${ref} has no registry digest: it was not pulled or pushed.` : `${ref} has no tag.`);
        return;
      }
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
    });
  return [
    vscode.commands.registerCommand('imageLayers.refresh', () => ctx.refresh()),
    vscode.commands.registerCommand(
      'imageLayers.inspectImage',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx);
        if (ref) await ctx.panels.show('inspect', ref, await ctx.catalog());
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.showHistory',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx);
        if (ref) await ctx.panels.show('history', ref, await ctx.catalog());
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.revealImage',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx);
        if (ref && !(await ctx.reveal(ref))) void vscode.window.showInformationMessage(`${ref} is not in the Images view.`);
      }),
    ),
    vscode.commands.registerCommand('imageLayers.copyId', copy('id')),
    vscode.commands.registerCommand('imageLayers.copyDigest', copy('digest')),
    vscode.commands.registerCommand('imageLayers.copyTag', copy('tag')),
  ];
}
