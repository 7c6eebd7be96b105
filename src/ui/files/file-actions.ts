// What a panel's file row offers: open the file, diff it with the same path one layer down or in the other
// image (`vscode.diff` on two image-file addresses), copy its path, save it out. The panels say which image,
// layer and path; this turns them into addresses and editors.
import * as path from 'path';
import * as vscode from 'vscode';
import { BackendError } from '../../backend/backend';
import type { ViewKey } from '../../backend/image-files';
import { showError } from '../commands/command-context';
import { FILE_ACTIONS, type FileAction, type FileRequest, type FromPage } from '../webview/protocol';
import { IMAGE_FILES_SCHEME, imageFileUri } from './image-uri';
import type { ImageFileSystemProvider } from './image-fs-provider';

/** A path in an image, as of a layer (merged), with the name it is shown by. */
export interface FileTarget {
  imageId: string;
  /** The layer as of which the file is read (0 at the bottom). */
  layer: number;
  path: string;
  /** The image's name as the panel shows it. */
  ref: string;
}

const merged = (t: FileTarget): ViewKey => ({ imageId: t.imageId, layer: t.layer, mode: 'merged' });

function label(t: FileTarget): string {
  return `${path.posix.basename(t.path)} (${t.ref}, layer ${t.layer + 1})`;
}

export function openFile(t: FileTarget): Thenable<unknown> {
  return vscode.commands.executeCommand('vscode.open', imageFileUri(merged(t), t.path));
}

/** The file as of layer n-1 on the left, as of n on the right; a path new in n shows as added. */
export function diffWithLayerBelow(t: FileTarget): Thenable<unknown> {
  if (t.layer === 0) throw new BackendError('invalid-input', 'The bottom layer has no layer below it.');
  const below = { ...t, layer: t.layer - 1 };
  return diff(below, t);
}

export function diff(left: FileTarget, right: FileTarget): Thenable<unknown> {
  const title = `${label(left)} ↔ ${label(right)}`;
  return vscode.commands.executeCommand('vscode.diff', imageFileUri(merged(left), left.path), imageFileUri(merged(right), right.path), title, { preview: false });
}

export async function copyPath(t: FileTarget): Promise<void> {
  await vscode.env.clipboard.writeText('/' + t.path);
  vscode.window.setStatusBarMessage(`Copied /${t.path}`, 3000);
}

/** Asks where (the dialog asks before replacing a file), then writes the file there, streamed. */
export async function saveFileAs(t: FileTarget, provider: ImageFileSystemProvider): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme !== IMAGE_FILES_SCHEME)?.uri;
  const name = path.posix.basename(t.path) || 'file';
  const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, title: `Save /${t.path} of ${t.ref} (layer ${t.layer + 1})` });
  if (!target) return undefined;
  const files = await provider.imageFiles();
  const view = await files.view(merged(t));
  if (target.scheme === 'file') await files.saveFile(view, t.path, target.fsPath);
  else await vscode.workspace.fs.writeFile(target, await files.readFile(view, t.path));
  vscode.window.setStatusBarMessage(`Saved /${t.path} to ${target.scheme === 'file' ? target.fsPath : target.toString()}`, 5000);
  return target;
}

/** A page's file request checked field by field (the page is a stranger too): undefined unless whole. */
export function fileRequest(m: FromPage): FileRequest | undefined {
  if (m.type !== 'file' || !FILE_ACTIONS.includes(m.action) || typeof m.path !== 'string' || m.path.length > 4096) return undefined;
  return { type: 'file', action: m.action, path: m.path.replace(/^\/+/, ''), side: m.side === 'b' ? 'b' : m.side === 'a' ? 'a' : undefined };
}

/** Does what a file row asked; `other` is the same path in the other image (Compare). Failures show once. */
export async function runFileAction(action: FileAction, target: FileTarget, provider: ImageFileSystemProvider, other?: FileTarget): Promise<void> {
  try {
    switch (action) {
      case 'open':
        await openFile(target);
        break;
      case 'diffBelow':
        await diffWithLayerBelow(target);
        break;
      case 'diffOther':
        if (!other) throw new BackendError('invalid-input', 'There is no other image to compare this file with.');
        await diff(target, other);
        break;
      case 'copyPath':
        await copyPath(target);
        break;
      case 'save':
        await saveFileAs(target, provider);
        break;
    }
  } catch (e) {
    showError(e);
  }
}
