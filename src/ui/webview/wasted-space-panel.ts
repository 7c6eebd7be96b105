// The Wasted Space panel: dive's efficiency for an image, measured with progress (image-report-panel.ts), and
// its rows' file actions on the file as of the highest layer that wrote it.
import type { ImageCatalog } from '../../backend/catalog';
import { imageEfficiency, layerContentsCache } from '../../backend/layer-contents';
import type { EfficiencyReport } from '../../core/efficiency';
import { fileRequest, runFileAction } from '../files/file-actions';
import type { ImageFileSystemProvider } from '../files/image-fs-provider';
import { html } from './html';
import { ImageReportPanel, type ReportKind } from './image-report-panel';
import { lastCopyLayer, wasteBody, wasteLoadingBody } from './layer-files-view';
import type { PanelConnection } from './panel-connection';
import type { FromPage, PanelState } from './protocol';

const WASTED_SPACE: ReportKind<EfficiencyReport> = {
  heading: (ref) => html`<h1>Wasted space <code>${ref}</code></h1>`,
  loading: wasteLoadingBody,
  progressTitle: (ref) => `Measuring wasted space in ${ref}`,
  command: 'Show Wasted Space',
  again: 'measure',
  read: (catalog, inspect, progress) => imageEfficiency(catalog.backend, inspect.Id, { ...progress, cache: layerContentsCache() }),
  body: wasteBody,
};

export class WastedSpacePanel extends ImageReportPanel<EfficiencyReport> {
  constructor(
    connection: PanelConnection,
    state: Extract<PanelState, { kind: 'wastedSpace' }>,
    catalog: () => Promise<ImageCatalog>,
    private readonly files: ImageFileSystemProvider,
  ) {
    super(connection, state, catalog, WASTED_SPACE);
  }

  /** A row's action: the file as of the highest layer that wrote it. */
  onMessage(m: FromPage): void {
    const request = fileRequest(m);
    if (!request || !this.shown) return;
    const row = this.shown.report.inefficiencies.find((r) => r.path === '/' + request.path);
    if (!row) return;
    const layer = lastCopyLayer(row);
    if (layer < 0) return;
    void runFileAction(request.action, { imageId: this.shown.id, layer, path: request.path, ref: this.state.ref }, this.files);
  }
}
