// Commands that show an image: inspect, history, compare with another, reveal, copy its ID, digest or name.
import * as vscode from 'vscode';
import { guarded, nodeRef, pickRef, type CommandContext, type Target } from './command-context';

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
        if (ref) await ctx.panels.show({ kind: 'inspect', ref });
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.showHistory',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx);
        if (ref) await ctx.panels.show({ kind: 'history', ref });
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.compareImages',
      guarded(async (target: Target, other?: unknown) => {
        const a = await pickRef(target, ctx, 'Image to compare');
        if (!a) return;
        // Two images selected in the tree: the other one; a name given by a caller; else the user picks.
        const selected = Array.isArray(other) && other.length === 2 ? nodeRef(other.find((n) => n !== target) as Target) : undefined;
        // The pick leaves out the image itself (any of its tags): compared with itself it has nothing to show.
        const picking = typeof other !== 'string' && !selected;
        const exceptId = picking ? (await (await ctx.catalog()).inspect(a)).Id : undefined;
        const b = typeof other === 'string' ? other : (selected ?? (await pickRef(undefined, ctx, `Compare ${a} with…`, exceptId)));
        if (b) await ctx.panels.show({ kind: 'compare', a, b });
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
