// Wiring only: builds the backend holder and the views; commands, panels and hovers load on first use from
// dist/features.js (src/features.ts), through the stand-ins of ui/lazy-features.ts.
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ImageBackend } from './backend/backend';
import { ImageCatalog } from './backend/catalog';
import { RegistryClient } from './backend/registry/registry-client';
import { BackendHolder } from './ui/backend-holder';
import { showViewOnFirstRun } from './ui/first-run';
import { DOCKERFILE_SELECTOR, DOCKERFILES_ON_DISK } from './ui/hover/dockerfile-selector';
import { LazyFeatures, type FeaturesModule } from './ui/lazy-features';
import { openLog } from './ui/log';
import { RefreshScheduler } from './ui/refresh';
import { BackendStatus } from './ui/status';
import { ImagesTreeProvider, type ImagesTreeNode } from './ui/tree/images-tree';
import { LayersTreeProvider } from './ui/tree/layers-tree';
import { revealImage } from './ui/tree/reveal';
import { StorageTreeProvider } from './ui/tree/storage-tree';
import { ShareIcons } from './ui/tree/share-icons';
import { ViewOptions } from './ui/tree/view-options';
import { WasteMarks } from './ui/tree/waste-marks';
import { rememberExpansion } from './ui/tree/expansion';
import { ImageFileSystemProvider } from './ui/files/image-fs-provider';
import { IMAGE_FILES_SCHEME } from './ui/files/image-uri';
import type { PageProbe, ProbeAction } from './ui/webview/protocol';

/** What activate() returns: a handle for the extension's own tests. */
export interface ImageLayersApi {
  backend(): Promise<ImageBackend>;
  catalog(): Promise<ImageCatalog>;
  images: ImagesTreeProvider;
  imagesView: vscode.TreeView<ImagesTreeNode>;
  layers: LayersTreeProvider;
  storage: StorageTreeProvider;
  options: ViewOptions;
  refresh(): void;
  /** What the panel titled `title` shows, read from its page (for tests), after doing what `act` says. */
  probePanel(title: string, act?: ProbeAction): Promise<PageProbe | undefined>;
  /** The status bar item's text, and the watch's ready signal (undefined where the views poll). */
  statusText(): string;
  watchReady(): Promise<void> | undefined;
}

export function activate(context: vscode.ExtensionContext): ImageLayersApi {
  const log = openLog();
  // One client, one token cache: pulls, pushes, search, tag lists and hovers all log in once per repository.
  const registry = new RegistryClient();
  const holder = new BackendHolder(context, registry);
  let catalog: ImageCatalog | undefined;
  const getCatalog = async () => {
    const backend = await holder.get();
    if (catalog?.backend !== backend) catalog = new ImageCatalog(backend);
    return catalog;
  };

  const options = new ViewOptions(context.workspaceState);
  const status = new BackendStatus();
  // One answer per image for the tree's rows and the Dockerfile hover.
  const waste = new WasteMarks((imageId) => images.wasteArrived(imageId));
  const icons = new ShareIcons(vscode.Uri.joinPath(context.globalStorageUri, 'share-icons').fsPath);
  const images = new ImagesTreeProvider(getCatalog, options, (state, error) => {
    holder.setState(state);
    imagesView.message =
      state === 'unreachable'
        ? error?.message
        : holder.fallbackReason
          ? `${holder.fallbackReason} Showing the built-in store.`
          : undefined;
  }, { icons, waste });
  const imagesView: vscode.TreeView<ImagesTreeNode> = vscode.window.createTreeView('imageLayers.images', {
    treeDataProvider: images,
    showCollapseAll: true,
    canSelectMany: true,
  });
  const layers = new LayersTreeProvider(getCatalog);
  const storage = new StorageTreeProvider(getCatalog);
  // Image files are registered at activation (a file of an image may be what a window reopens); they read
  // layers only when a file is asked for.
  const files = new ImageFileSystemProvider(getCatalog);

  // Views the features make outside the panel host (the inspect documents) follow refreshes through this event.
  const refreshed = new vscode.EventEmitter<void>();
  const refresh = () => {
    catalog?.invalidate();
    refreshed.fire();
    waste.clear();
    images.refresh();
    layers.refresh();
    storage.refresh();
    features.loaded()?.panels.refreshAll();
    const filter = options.get().filter;
    imagesView.description = filter ? `filter: ${filter}` : undefined;
  };
  const scheduler = new RefreshScheduler(refresh, (s) => status.showWatch(s));

  const follow = (backend: ImageBackend) => {
    status.show(backend, holder.fallbackReason);
    scheduler.follow(backend);
  };
  void holder.get().then(follow, () => undefined);

  const features = new LazyFeatures(
    // A file next to this one: dist/features.js in the bundle, out/features.js under tsc.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require(join(__dirname, 'features.js')) as FeaturesModule,
    {
      extension: context,
      catalog: getCatalog,
      registry,
      options,
      refresh,
      onRefresh: refreshed.event,
      files,
      waste,
      selection: () => imagesView.selection,
      reveal: (ref) => revealImage(imagesView, images, ref),
    },
  );

  const lensStandIn = features.codeLensStandIn();
  context.subscriptions.push(
    log,
    holder,
    status,
    options,
    options.watchConfiguration(),
    options.onDidChange(() => {
      images.refresh();
      const filter = options.get().filter;
      imagesView.description = filter ? `filter: ${filter}` : undefined;
    }),
    imagesView,
    ...rememberExpansion(imagesView, images),
    vscode.window.createTreeView('imageLayers.layers', { treeDataProvider: layers, showCollapseAll: true }),
    vscode.window.registerTreeDataProvider('imageLayers.storage', storage),
    refreshed,
    files,
    vscode.workspace.registerFileSystemProvider(IMAGE_FILES_SCHEME, files, { isCaseSensitive: true, isReadonly: true }),
    features,
    ...features.registerStandIns(context.extension.packageJSON),
    scheduler,
    holder.onDidChange((backend) => {
      follow(backend);
      refresh();
    }),
    vscode.languages.registerHoverProvider(DOCKERFILE_SELECTOR, features.hoverStandIn()),
    lensStandIn,
    vscode.languages.registerCodeLensProvider(DOCKERFILES_ON_DISK, lensStandIn),
  );
  const filter = options.get().filter;
  imagesView.description = filter ? `filter: ${filter}` : undefined;
  void vscode.commands.executeCommand('setContext', 'imageLayers.filtered', filter !== '');
  showViewOnFirstRun(context.globalState);

  return {
    backend: () => holder.get(),
    catalog: getCatalog,
    images,
    imagesView,
    layers,
    storage,
    options,
    refresh,
    probePanel: async (title, act) => features.loaded()?.panels.probe(title, act),
    statusText: () => status.text,
    watchReady: () => scheduler.ready,
  };
}

export function deactivate(): void {}
