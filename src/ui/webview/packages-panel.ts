// The Packages panel: what each layer of an image installed, upgraded or removed, read from the package
// databases in its layers (through the shared layer cache, so a layer Layer Files read is not read again).
// A refresh reads again only when the name now stands for another image.
import { BackendError } from '../../backend/backend';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { imagePackages } from '../../backend/image-packages';
import { withProgress } from '../commands/command-context';
import { loggedMessage } from '../log';
import { html, type Html } from './html';
import type { PanelConnection } from './panel-connection';
import type { PanelController } from './panel-host';
import { packagesBody, packagesHeading, packagesLoadingBody } from './packages-view';
import type { PanelState } from './protocol';

export class PackagesPanel implements PanelController {
  private content: string | undefined;
  /** The image the report shown is of. */
  private shown: string | undefined;
  private running: AbortController | undefined;

  constructor(
    private readonly connection: PanelConnection,
    private readonly state: Extract<PanelState, { kind: 'packages' }>,
    private readonly catalog: () => Promise<ImageCatalog>,
  ) {
    void this.read();
  }

  async body(): Promise<Html> {
    return html`${packagesHeading(this.state.ref)}<p class="dim">Reading the image…</p>`;
  }

  onReady(): void {
    this.connection.keep(this.state);
    if (this.content !== undefined) this.connection.post({ type: 'render', html: this.content });
  }

  update(): void {
    void this.read();
  }

  refresh(): void {
    void this.read(true);
  }

  private show(body: Html): void {
    this.content = body.value;
    this.connection.post({ type: 'render', html: body.value });
  }

  private async read(again = false): Promise<void> {
    const ref = this.state.ref;
    const mine = new AbortController();
    try {
      const catalog = await this.catalog();
      const inspect = await catalog.inspect(ref);
      if (again && inspect.Id === this.shown) return;
      this.running?.abort();
      this.running = mine;
      if (this.content === undefined) this.show(packagesLoadingBody(ref, inspect.RootFS?.Layers?.length ?? 0));
      const [report, details] = await Promise.all([
        withProgress(`Reading the packages of ${ref}`, ({ signal, onProgress }) => imagePackages(catalog.backend, inspect.Id, { signal: AbortSignal.any([signal, mine.signal]), onProgress })),
        catalog.detailsOf(inspect.Id),
      ]);
      if (this.running !== mine) return;
      this.shown = inspect.Id;
      this.show(packagesBody(ref, report.layers, stepsOf(details), report.truncated));
    } catch (e) {
      if (mine.signal.aborted) return;
      this.shown = undefined;
      const text = BackendError.is(e, 'cancelled')
        ? 'Cancelled. Run "Show Packages" again to read them.'
        : BackendError.is(e, 'not-found') && again
          ? `${ref} is no longer among the images: it was removed or untagged.`
          : loggedMessage(e, `Packages ${ref}`);
      this.show(html`${packagesHeading(ref)}<p class="error">${text}</p>`);
    }
  }

  dispose(): void {
    this.running?.abort();
  }
}
