// Commands that change images: tag, remove, prune, run.
import * as vscode from 'vscode';
import { requireCapability } from '../../backend/capabilities';
import { formatBytes } from '../../core/format';
import { parseReference, splitRepoTag } from '../../core/reference';
import type { ImagesTreeNode } from '../tree/images-tree';
import { guarded, pickRef, targetRefs, type CommandContext, type Target } from './command-context';
import { loggedMessage, showErrorWithLog } from '../log';

export function registerManageCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'imageLayers.tagImage',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx, 'Image to tag');
        if (!ref) return;
        const name = await vscode.window.showInputBox({
          prompt: `New tag for ${ref}`,
          placeHolder: 'registry.example.com/team/app:1.0',
          validateInput: (v) => (parseReference(v) && !v.includes('@') ? undefined : 'Not a valid name:tag'),
        });
        if (!name) return;
        const { repository, tag } = splitRepoTag(name);
        await requireCapability((await ctx.catalog()).backend, 'manage').tagImage(ref, repository, tag);
        ctx.refresh();
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.removeImage',
      guarded(async (target: Target, all?: ImagesTreeNode[]) => {
        const refs = await targetRefs(target, all, ctx, 'Images to remove');
        if (!refs) return;
        const answer = await vscode.window.showWarningMessage(
          refs.length === 1 ? `Remove ${refs[0]}?` : `Remove ${refs.length} images?`,
          { modal: true, detail: `${refs.join('\n')}\n\nLayers that no other image uses are deleted.` },
          'Remove',
          'Force Remove',
        );
        if (!answer) return;
        const manage = requireCapability((await ctx.catalog()).backend, 'manage');
        const report: string[] = [];
        const failures: string[] = [];
        for (const ref of refs) {
          try {
            const rows = await manage.removeImage(ref, { force: answer === 'Force Remove' });
            report.push(...rows.map((r) => ('Untagged' in r ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`)));
          } catch (e) {
            failures.push(`${ref}: ${loggedMessage(e, `remove ${ref}`)}`);
          }
        }
        ctx.refresh();
        if (failures.length) void showErrorWithLog(failures.join('\n'));
        if (report.length) vscode.window.setStatusBarMessage(report.slice(0, 3).join(', '), 6000);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.pruneDangling',
      guarded(async () => {
        const manage = requireCapability((await ctx.catalog()).backend, 'manage');
        const answer = await vscode.window.showWarningMessage(
          'Remove all dangling (untagged) images?',
          { modal: true },
          'Prune',
        );
        if (answer !== 'Prune') return;
        const result = await manage.pruneImages({ danglingOnly: true });
        ctx.refresh();
        const deleted = result.ImagesDeleted.filter((r) => 'Deleted' in r).length;
        void vscode.window.showInformationMessage(`Pruned ${deleted} image(s), reclaimed ${formatBytes(result.SpaceReclaimed)}.`);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.runImage',
      guarded(async (target: Target) => {
        // The menus offer Run Image only where the backend declares `run`; the palette and other callers still reach here.
        const backend = (await ctx.catalog()).backend;
        const run = backend.capabilities.run;
        if (!run) {
          void vscode.window.showInformationMessage(`${backend.displayName} keeps images only; it cannot run containers. Switch to a Docker or Podman engine to run one.`);
          return;
        }
        const ref = await pickRef(target, ctx, 'Image to run');
        if (!ref) return;
        const name = await vscode.window.showInputBox({ prompt: `Container name for ${ref} (empty: the engine picks one)` });
        if (name === undefined) return;
        const ports = await vscode.window.showInputBox({
          prompt: 'Ports to publish, like -p (empty for none)',
          placeHolder: '8080:80, 8443:443/tcp',
          validateInput: (v) => (v.split(',').every((p) => !p.trim() || /^(\d+:)?\d+(\/(tcp|udp))?$/.test(p.trim())) ? undefined : 'Use HOST:CONTAINER[/tcp|udp], separated by commas'),
        });
        if (ports === undefined) return;
        const id = await run.runContainer(ref, {
          name: name.trim() || undefined,
          ports: ports.split(',').map((p) => p.trim()).filter(Boolean),
        });
        void vscode.window.showInformationMessage(`Started container ${id.slice(0, 12)} from ${ref}.`);
        ctx.refresh();
      }),
    ),
  ];
}
