// Shared helpers for the extension-host tests: the extension's API, images written by code, and small waits.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeDockerSaveArchive, type FixtureImage } from '../fixtures/archives';
import type { ImageLayersApi } from '../../src/extension';
// Types only: the extension runs from its bundle, so its classes are not these classes (no instanceof here).
import type { GroupNode, ImageNode, ImagesTreeNode } from '../../src/ui/tree/images-tree';
import type { PageProbe } from '../../src/ui/webview/protocol';

export const EXTENSION_ID = 'image-layers.image-layers';

export async function api(): Promise<ImageLayersApi> {
  const ext = vscode.extensions.getExtension<ImageLayersApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The tree as a user sees it: labels of the groups, and of the images in each. */
export async function treeShape(a: ImageLayersApi): Promise<[string, string[]][]> {
  const roots = await a.images.getChildren();
  const shape: [string, string[]][] = [];
  for (const r of roots) {
    if (r.type === 'group') shape.push([(r as GroupNode).name, (r as GroupNode).images.map((i) => i.label)]);
    else if (r.type === 'image') {
      // Ungrouped images sit at the top level: one nameless group.
      if (shape.at(-1)?.[0] !== '') shape.push(['', []]);
      shape.at(-1)?.[1].push((r as ImageNode).label);
    } else shape.push(['?', []]);
  }
  return shape;
}

export async function imageNode(a: ImageLayersApi, repoTag: string): Promise<ImageNode> {
  const node = await a.images.findImage(repoTag);
  if (!node) throw new Error(`${repoTag} is not in the Images view`);
  return node;
}

/** The layer rows of an image as a user sees them, each with the tooltip a hover resolves. */
export async function layerRows(a: ImageLayersApi, node: ImagesTreeNode): Promise<vscode.TreeItem[]> {
  const children = await a.images.getChildren(node);
  return Promise.all(children.filter((c) => c.type === 'layer').map((c) => a.images.resolveTreeItem(a.images.getTreeItem(c), c)));
}

export function text(label: vscode.TreeItem['label'] | vscode.TreeItem['description']): string {
  if (label === undefined || typeof label === 'boolean') return '';
  return typeof label === 'string' ? label : label.label;
}

/** The labels of every open editor tab. */
export function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}

/** What the panel titled `title` shows once its page's text matches `shows` (read from the page itself). */
export async function panelShowing(a: ImageLayersApi, title: string, shows: RegExp, ms = 15_000): Promise<PageProbe> {
  let last: PageProbe | undefined;
  try {
    return await waitFor(
      `the panel "${title}" to show ${shows}`,
      async () => {
        last = await a.probePanel(title);
        return last && shows.test(last.text) ? last : undefined;
      },
      ms,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; it shows:\n${last?.text ?? '(no page)'}`, { cause: e });
  }
}

/** Loads an image written by code into the extension's backend; `remove` takes it away again. */
export async function loadImage(a: ImageLayersApi, image: FixtureImage): Promise<{ id: string; remove(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-suite-'));
  const archive = path.join(dir, 'image.tar');
  const { ids: [id] } = await writeDockerSaveArchive(archive, [image]);
  await (await a.backend()).capabilities.archive!.loadArchive(archive);
  a.refresh();
  return {
    id,
    remove: async () => {
      await (await a.backend()).capabilities.manage!.removeImage(id, { force: true }).catch(() => undefined);
      a.refresh();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
