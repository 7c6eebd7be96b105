// The Wasted Space panel: dive's efficiency for an image, measured with progress; measured again when a refresh
// finds the name on another image, and saying so when the image is gone.
import { loggedMessage } from '../log';
import { BackendError } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import { imageEfficiency, layerContentsCache } from '../../backend/layer-contents';
import type { EfficiencyReport } from '../../core/efficiency';
import { withProgress } from '../commands/command-context';
import { fileRequest, runFileAction } from '../files/file-actions';
import type { ImageFileSystemProvider } from '../files/image-fs-provider';
import { html, type Html } from './html';
import { lastCopyLayer, wasteBody, wasteLoadingBody } from './layer-files-view';
import type { PanelConnection } from './panel-connection';
import { type PanelController } from './panel-host';
import type { FromPage, PanelState } from './protocol';

export class WastedSpacePanel implements PanelController {
  private content: string | undefined;
  /** The image the report shown is of; undefined while none is. */
  private measured: string | undefined;
  private running: AbortController | undefined;
  private report: EfficiencyReport | undefined;

  constructor(
    private readonly connection: PanelConnection,
    private readonly state: Extract<PanelState, { kind: 'wastedSpace' }>,
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly files: ImageFileSystemProvider,
  ) {
    void this.measure();
  }

  private heading(): Html {
    return html`<h1>Wasted space <code>${this.state.ref}</code></h1>`;
  }

  async body(): Promise<Html> {
    return html`${this.heading()}<p class="dim">Reading the image…</p>`;
  }

  onReady(): void {
    this.connection.keep(this.state);
    if (this.content !== undefined) this.connection.post({ type: 'render', html: this.content });
  }

  private show(body: Html): void {
    this.content = body.value;
    this.connection.post({ type: 'render', html: body.value });
  }

  /** A row's action: the file as of the highest layer that wrote it. */
  onMessage(m: FromPage): void {
    const request = fileRequest(m);
    const report = this.report;
    if (!request || !report || !this.measured) return;
    const row = report.inefficiencies.find((r) => r.path === '/' + request.path);
    if (!row) return;
    const layer = lastCopyLayer(row);
    if (layer < 0) return;
    void runFileAction(request.action, { imageId: this.measured, layer, path: request.path, ref: this.state.ref }, this.files);
  }

  /** Asked again: measured again, as the command promises after a cancel. */
  update(): void {
    void this.measure();
  }

  refresh(): void {
    void this.measure(true);
  }

  /** `again`: a refresh, which measures only if the name now stands for another image than the one measured. */
  private async measure(again = false): Promise<void> {
    const ref = this.state.ref;
    let mine: AbortController | undefined;
    try {
      const catalog = await this.catalog();
      const inspect = await catalog.inspect(ref);
      if (again && inspect.Id === this.measured) return;
      this.running?.abort();
      mine = new AbortController();
      this.running = mine;
      this.measured = undefined;
      if (this.content === undefined) this.show(wasteLoadingBody(ref, inspect.RootFS?.Layers?.length ?? 0));
      const report = await withProgress(`Measuring wasted space in ${ref}`, ({ signal, onProgress }) =>
        imageEfficiency(catalog.backend, ref, { signal: AbortSignal.any([signal, (mine as AbortController).signal]), onProgress, cache: layerContentsCache() }),
      );
      if (this.running !== mine) return;
      this.measured = inspect.Id;
      this.report = report;
      this.show(wasteBody(ref, report));
    } catch (e) {
      if (mine?.signal.aborted) return; // a newer measure, or the panel closed
      this.measured = undefined;
      const text = BackendError.is(e, 'cancelled')
        ? 'Cancelled. Run "Show Wasted Space" again to measure.'
        : BackendError.is(e, 'not-found') && again
          ? `${ref} is no longer among the images: it was removed or untagged.`
          : loggedMessage(e, `Wasted Space ${ref}`);
      this.show(html`${this.heading()}<p class="error">${text}</p>`);
    }
  }

  dispose(): void {
    this.running?.abort();
  }
}
