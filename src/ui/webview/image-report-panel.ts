// A panel that reads one report of an image with progress (Wasted Space, Packages): shown again when the page
// reloads, read again when asked, read again on a refresh only when the name now stands for another image, and
// saying so when the image is gone. A newer read, or closing the panel, stops the one before.
import { BackendError } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import type { ImageInspect } from '../../core/model';
import { withProgress } from '../commands/command-context';
import { loggedMessage } from '../log';
import { html, type Html } from './html';
import type { PanelConnection } from './panel-connection';
import type { PanelController } from './panel-host';
import type { PanelState } from './protocol';

/** What a report panel reads, and how it says it. */
export interface ReportKind<R> {
  /** The panel's heading for `ref`. */
  heading(ref: string): Html;
  /** Shown while the first report is read. */
  loading(ref: string, layers: number): Html;
  /** The progress notification's title. */
  progressTitle(ref: string): string;
  /** The command that reads again, for the sentence after a cancel ("Show Packages"). */
  command: string;
  /** What the command does, for that sentence ("read them"). */
  again: string;
  read(catalog: ImageCatalog, inspect: ImageInspect, progress: { signal: AbortSignal; onProgress: (p: { message: string; fraction?: number }) => void }): Promise<R>;
  body(ref: string, report: R): Html;
}

export class ImageReportPanel<R> implements PanelController {
  private content: string | undefined;
  /** The image ID and report shown; undefined while none is. */
  protected shown: { id: string; report: R } | undefined;
  private running: AbortController | undefined;

  constructor(
    protected readonly connection: PanelConnection,
    protected readonly state: Extract<PanelState, { ref: string }>,
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly kind: ReportKind<R>,
  ) {
    void this.read();
  }

  async body(): Promise<Html> {
    return html`${this.kind.heading(this.state.ref)}<p class="dim">Reading the image…</p>`;
  }

  onReady(): void {
    this.connection.keep(this.state);
    if (this.content !== undefined) this.connection.post({ type: 'render', html: this.content });
  }

  /** Asked again: read again, as the command promises after a cancel. */
  update(): void {
    void this.read();
  }

  refresh(): void {
    void this.read(true);
  }

  dispose(): void {
    this.running?.abort();
  }

  private show(body: Html): void {
    this.content = body.value;
    this.connection.post({ type: 'render', html: body.value });
  }

  /** `again`: a refresh, which reads only if the name now stands for another image than the one shown. */
  private async read(again = false): Promise<void> {
    const ref = this.state.ref;
    const kind = this.kind;
    let mine: AbortController | undefined;
    try {
      const catalog = await this.catalog();
      const inspect = await catalog.inspect(ref);
      if (again && inspect.Id === this.shown?.id) return;
      this.running?.abort();
      const current = new AbortController();
      mine = current;
      this.running = current;
      this.shown = undefined;
      if (this.content === undefined) this.show(kind.loading(ref, inspect.RootFS?.Layers?.length ?? 0));
      const report = await withProgress(kind.progressTitle(ref), ({ signal, onProgress }) =>
        kind.read(catalog, inspect, { signal: AbortSignal.any([signal, current.signal]), onProgress }),
      );
      if (this.running !== current) return;
      this.shown = { id: inspect.Id, report };
      this.show(kind.body(ref, report));
    } catch (e) {
      if (mine?.signal.aborted) return; // a newer read, or the panel closed
      this.shown = undefined;
      const text = BackendError.is(e, 'cancelled')
        ? `Cancelled. Run "${kind.command}" again to ${kind.again}.`
        : BackendError.is(e, 'not-found') && again
          ? `${ref} is no longer among the images: it was removed or untagged.`
          : loggedMessage(e, `${kind.command.replace(/^Show /, '')} ${ref}`);
      this.show(html`${kind.heading(ref)}<p class="error">${text}</p>`);
    }
  }
}
