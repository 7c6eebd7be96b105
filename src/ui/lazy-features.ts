// Keeps the features the first view does not need (commands, panels, hovers) out of activation: activate()
// registers stand-ins that cost nothing, and the first use of any of them requires the features bundle, which
// registers the real ones (docs/architecture.md, *How a feature stays out of activation*).
import * as vscode from 'vscode';
import type { ImageCatalog } from '../backend/catalog';
import type { RegistryClient } from '../backend/registry/registry-client';
import type { ImageFileSystemProvider } from './files/image-fs-provider';
import type { ImagesTreeNode } from './tree/images-tree';
import type { ViewOptions } from './tree/view-options';
import type { WasteMarks } from './tree/waste-marks';
import type { PanelHost } from './webview/panel-host';

/** What the core hands every feature when it loads. */
export interface FeatureContext {
  extension: vscode.ExtensionContext;
  catalog(): Promise<ImageCatalog>;
  /** The extension's one registry client: its tokens serve the backend's pulls and pushes too. */
  registry: RegistryClient;
  options: ViewOptions;
  refresh(): void;
  /** Fires after every refresh: for what the features show outside the panel host. */
  onRefresh: vscode.Event<void>;
  /** The image file system (registered by the core): the panels' file actions read through it. */
  files: ImageFileSystemProvider;
  /** Dead bytes per image, shared by the Images view's rows and the hover. */
  waste: WasteMarks;
  reveal(ref: string): Promise<boolean>;
  selection(): readonly ImagesTreeNode[];
}

/** What the features bundle gives back: its registrations and the parts the core forwards to. */
export interface Features {
  disposables: vscode.Disposable[];
  panels: PanelHost;
  hover: vscode.HoverProvider;
  /** The Dockerfile lenses (ui/dockerfile/). */
  codeLens: vscode.CodeLensProvider;
}

/** The features bundle's module: src/features.ts. */
export interface FeaturesModule {
  registerFeatures(ctx: FeatureContext): Features;
}

interface ContributedCommand {
  command: string;
}

/** The command IDs and webview panel types the package contributes: what needs a stand-in at activation. */
export function contributedEntryPoints(packageJSON: unknown): { commands: string[]; panelTypes: string[] } {
  const pkg = packageJSON as { contributes?: { commands?: ContributedCommand[] }; activationEvents?: string[] };
  return {
    commands: (pkg.contributes?.commands ?? []).map((c) => c.command),
    panelTypes: (pkg.activationEvents ?? []).filter((e) => e.startsWith('onWebviewPanel:')).map((e) => e.slice('onWebviewPanel:'.length)),
  };
}

export class LazyFeatures implements vscode.Disposable {
  private features: Features | undefined;
  private standIns: vscode.Disposable[] = [];

  constructor(
    private readonly load: () => FeaturesModule,
    private readonly ctx: FeatureContext,
  ) {}

  /** The features, loading them now if they are not yet. */
  get(): Features {
    if (!this.features) {
      // The real commands take the stand-ins' IDs: those must be gone first.
      for (const d of this.standIns.splice(0)) d.dispose();
      this.features = this.load().registerFeatures(this.ctx);
    }
    return this.features;
  }

  /** The features if something has used them already; undefined costs nothing. */
  loaded(): Features | undefined {
    return this.features;
  }

  /**
   * A stand-in for every contributed command (run: load, then run the real one with the same arguments) and a
   * serializer for every panel type (a panel brought back after a reload loads the features to revive it).
   */
  registerStandIns(packageJSON: unknown): vscode.Disposable[] {
    const { commands, panelTypes } = contributedEntryPoints(packageJSON);
    this.standIns = commands.map((id) =>
      vscode.commands.registerCommand(id, (...args: unknown[]) => {
        this.get();
        return vscode.commands.executeCommand(id, ...args);
      }),
    );
    // Serializers stay for the extension's life: the panel host revives through them.
    const serializers = panelTypes.map((viewType) =>
      vscode.window.registerWebviewPanelSerializer(viewType, {
        deserializeWebviewPanel: (panel, state) => this.get().panels.revive(viewType, panel, state),
      }),
    );
    return [{ dispose: () => this.standIns.splice(0).forEach((d) => d.dispose()) }, ...serializers];
  }

  /** A hover provider that loads the features on the first hover. */
  hoverStandIn(): vscode.HoverProvider {
    return { provideHover: (document, position, token) => this.get().hover.provideHover(document, position, token) };
  }

  /** Lenses load the features when a Dockerfile on disk is shown; their changes are forwarded from then on. */
  codeLensStandIn(): vscode.CodeLensProvider & vscode.Disposable {
    const changed = new vscode.EventEmitter<void>();
    let forwarding: vscode.Disposable | undefined;
    return {
      onDidChangeCodeLenses: changed.event,
      provideCodeLenses: (document, token) => {
        const lenses = this.get().codeLens;
        forwarding ??= lenses.onDidChangeCodeLenses?.(() => changed.fire());
        return lenses.provideCodeLenses(document, token);
      },
      dispose: () => {
        forwarding?.dispose();
        changed.dispose();
      },
    };
  }

  dispose(): void {
    for (const d of this.features?.disposables.splice(0) ?? []) d.dispose();
  }
}
