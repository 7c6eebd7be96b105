// Wiring only: builds the backend holder, the views, commands and hovers.
import * as vscode from 'vscode';
import { ImageCatalog } from './backend/catalog';
import type { ImageBackend } from './backend/backend';
import { BackendHolder } from './ui/backend-holder';
import { registerBackendCommands } from './ui/commands/backend-commands';
import { registerImageCommands } from './ui/commands/image-commands';
import { DOCKERFILE_SELECTOR, DockerfileHoverProvider } from './ui/hover/dockerfile-hover';
import { BackendStatus } from './ui/status';
import { ImagesTreeProvider, type ImagesTreeNode } from './ui/tree/images-tree';
import { ImagePanels } from './ui/webview/image-panels';

/** What activate() returns: a handle for the extension's own tests. */
export interface ImageLayersApi {
  backend(): Promise<ImageBackend>;
  catalog(): Promise<ImageCatalog>;
  images: ImagesTreeProvider;
  refresh(): void;
}

const EVENT_DEBOUNCE_MS = 400;

export function activate(context: vscode.ExtensionContext): ImageLayersApi {
  const holder = new BackendHolder(context);
  let catalog: ImageCatalog | undefined;
  const getCatalog = async () => {
    const backend = await holder.get();
    if (catalog?.backend !== backend) catalog = new ImageCatalog(backend);
    return catalog;
  };

  const status = new BackendStatus();
  const images = new ImagesTreeProvider(getCatalog, (state, error) => {
    holder.setState(state);
    treeView.message =
      state === 'unreachable'
        ? error?.message
        : holder.fallbackReason
          ? `${holder.fallbackReason} Showing the built-in store.`
          : undefined;
  });
  const treeView: vscode.TreeView<ImagesTreeNode> = vscode.window.createTreeView('imageLayers.images', {
    treeDataProvider: images,
    showCollapseAll: true,
    canSelectMany: true,
  });
  const panels = new ImagePanels(context.extensionUri);

  const refresh = () => {
    catalog?.invalidate();
    images.refresh();
    if (catalog) void panels.refreshAll(catalog);
  };

  let debounce: NodeJS.Timeout | undefined;
  let watcher: vscode.Disposable | undefined;
  const follow = (backend: ImageBackend) => {
    watcher?.dispose();
    status.show(backend, holder.fallbackReason);
    const w = backend.watch(() => {
      clearTimeout(debounce);
      debounce = setTimeout(refresh, EVENT_DEBOUNCE_MS);
    });
    watcher = w ? new vscode.Disposable(() => w.dispose()) : undefined;
  };
  void holder.get().then(follow, () => undefined);

  context.subscriptions.push(
    holder,
    status,
    treeView,
    panels,
    holder.onDidChange((backend) => {
      follow(backend);
      refresh();
    }),
    { dispose: () => watcher?.dispose() },
    { dispose: () => clearTimeout(debounce) },
    ...registerImageCommands({
      catalog: getCatalog,
      panels,
      refresh,
      reveal: async (ref) => {
        const node = await images.findImage(ref);
        if (!node) return false;
        await treeView.reveal(node, { select: true, focus: true, expand: true });
        return true;
      },
    }),
    ...registerBackendCommands(),
    vscode.languages.registerHoverProvider(DOCKERFILE_SELECTOR, new DockerfileHoverProvider(getCatalog)),
  );

  return { backend: () => holder.get(), catalog: getCatalog, images, refresh };
}

export function deactivate(): void {}
