// The Layer Map panel: the images picked (by name, or whole repositories) as columns of their layers, a layer
// several of them use drawn once across them. Read again on every refresh, so images that come or go (a new tag
// in a picked repository, a removed one) show at once; a click on a layer opens its files.
import * as vscode from 'vscode';
import { createHash } from 'crypto';
import { BackendError } from '../../backend/backend';
import { layerFacts, type ImageCatalog } from '../../backend/catalog';
import { layoutLayerMap, type LayerMap, type MapImage } from '../../core/layer-map';
import { shortId, splitRepoTag } from '../../core/reference';
import { loggedMessage } from '../log';
import type { Html } from './html';
import { layerMapBody, layerMapView, MAP_HEIGHT, MIN_LAYER_HEIGHT } from './layer-map-view';
import type { PanelConnection } from './panel-connection';
import type { PanelController } from './panel-host';
import type { FromPage, LayerMapView, PanelState } from './protocol';

type MapState = Extract<PanelState, { kind: 'layerMap' }>;

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export class LayerMapPanel implements PanelController {
  private view: LayerMapView | undefined;
  private map: LayerMap | undefined;
  /** The name each column's image was picked by, by image ID: what a click opens Layer Files on. */
  private refs = new Map<string, string>();
  private reads = 0;

  constructor(
    private readonly connection: PanelConnection,
    private state: MapState,
    private readonly catalog: () => Promise<ImageCatalog>,
  ) {
    void this.read();
  }

  async body(): Promise<Html> {
    return layerMapBody();
  }

  onReady(): void {
    this.connection.keep(this.state);
    if (this.view) this.connection.post({ type: 'layerMap', map: this.view });
  }

  /** Asked again with another pick: the one Layer Map shows that instead. */
  update(state: PanelState): void {
    if (state.kind !== 'layerMap') return;
    this.state = state;
    this.connection.keep(state);
    void this.read();
  }

  refresh(): void {
    void this.read();
  }

  onMessage(m: FromPage): void {
    if (m.type !== 'openLayer' || !this.map) return;
    // The page names a layer by its chain ID; only one this map drew is opened.
    const cell = this.map.cells.find((c) => c.chainId === m.key);
    if (!cell) return;
    const ref = this.refs.get(this.map.columns[cell.first].id);
    if (!ref) return;
    void vscode.commands.executeCommand('imageLayers.showLayerFiles', ref, cell.depth);
  }

  private async read(): Promise<void> {
    const mine = ++this.reads;
    let view: LayerMapView;
    try {
      const { images, notes, refs } = await this.readImages();
      const map = layoutLayerMap(images, sha256Hex, { height: MAP_HEIGHT, minHeight: MIN_LAYER_HEIGHT });
      const index = await (await this.catalog()).layerIndex().catch(() => undefined);
      const users = new Map([...(index?.layers.values() ?? [])].map((u) => [u.chainId, u.imageIds.length]));
      if (mine !== this.reads) return;
      this.map = map;
      this.refs = refs;
      view = layerMapView(map, users, notes);
    } catch (e) {
      if (mine !== this.reads) return;
      this.map = undefined;
      view = { columns: [], cells: [], height: 0, summary: loggedMessage(e, 'Layer Map'), notes: [] };
    }
    this.view = view;
    this.connection.post({ type: 'layerMap', map: view });
  }

  /** The picked names and repositories as images (one per ID, with every picked name of it), and what is missing. */
  private async readImages(): Promise<{ images: MapImage[]; notes: string[]; refs: Map<string, string> }> {
    const catalog = await this.catalog();
    const notes: string[] = [];
    const names: string[] = [...this.state.refs];
    if (this.state.repos.length) {
      const list = await catalog.images();
      for (const repo of this.state.repos) {
        const tags = list.flatMap((i) => i.RepoTags).filter((t) => splitRepoTag(t).repository === repo);
        if (!tags.length) notes.push(`${repo} has no images now.`);
        names.push(...tags.sort());
      }
    }
    const byId = new Map<string, MapImage>();
    const refs = new Map<string, string>();
    for (const name of [...new Set(names)]) {
      let id: string;
      try {
        id = (await catalog.inspect(name)).Id;
      } catch (e) {
        if (!BackendError.is(e, 'not-found')) throw e;
        notes.push(`${name} is no longer among the images: it was removed or untagged.`);
        continue;
      }
      const known = byId.get(id);
      if (known) {
        known.names.push(name.startsWith('sha256:') ? shortId(name) : name);
        continue;
      }
      const details = await catalog.detailsOf(id);
      const { sizes, steps } = layerFacts(details);
      refs.set(id, name);
      byId.set(id, { id, names: [name.startsWith('sha256:') ? shortId(name) : name], diffIds: details.inspect.RootFS?.Layers ?? [], sizes, steps });
    }
    return { images: [...byId.values()], notes, refs };
  }

  dispose(): void {
    this.reads++;
  }
}
