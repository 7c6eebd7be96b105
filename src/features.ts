// The features bundle (dist/features.js): everything the first view does not need. activate() registers
// stand-ins for its commands, panels and hover; the first use of any of them requires this file once. A new
// feature that registers from a function of its own joins with one line in `disposables` below
// (docs/architecture.md, *How a feature stays out of activation*).
import type { CommandContext } from './ui/commands/command-context';
import { registerBackendCommands } from './ui/commands/backend-commands';
import { registerImageCommands } from './ui/commands/image-commands';
import { registerLayerCommands } from './ui/commands/layer-commands';
import { registerLayerMapCommands } from './ui/commands/layer-map-commands';
import { registerManageCommands } from './ui/commands/manage-commands';
import { registerPackagesCommands } from './ui/commands/packages-commands';
import { registerTransferCommands } from './ui/commands/transfer-commands';
import { registerViewCommands } from './ui/commands/view-commands';
import { registerImageFiles } from './ui/files/register-image-files';
import { registerDockerfileCosts } from './ui/dockerfile/register';
import { DockerfileHoverProvider } from './ui/hover/dockerfile-hover';
import { registerInspectDocument } from './ui/inspect-document';
import type { FeatureContext, Features } from './ui/lazy-features';
import { PanelHost } from './ui/webview/panel-host';

export function registerFeatures(ctx: FeatureContext): Features {
  const panels = new PanelHost(ctx.extension.extensionUri, ctx.catalog, ctx.files);
  const commands: CommandContext = { ...ctx, panels };
  const dockerfile = registerDockerfileCosts(ctx.extension, ctx.catalog, ctx.onRefresh);
  return {
    panels,
    hover: new DockerfileHoverProvider(ctx.catalog, ctx.registry, ctx.waste),
    codeLens: dockerfile.lenses,
    disposables: [
      ...dockerfile.disposables,
      panels,
      ...registerImageCommands(commands),
      ...registerTransferCommands(commands),
      ...registerManageCommands(commands),
      ...registerLayerCommands(commands),
      ...registerPackagesCommands(commands),
      ...registerLayerMapCommands(commands),
      ...registerInspectDocument(commands, ctx.onRefresh),
      ...registerImageFiles(commands),
      ...registerViewCommands(ctx.options),
      ...registerBackendCommands(),
    ],
  };
}
