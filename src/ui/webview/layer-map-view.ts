// What the Layer Map page is given: the layout of core/layer-map.ts with its numbers worded (sizes as the docker
// CLI prints them, short IDs) and the facts of each layer. Plain data: the page sets it as text, never as HTML.
import type { LayerMap } from '../../core/layer-map';
import { formatBytes, formatCount } from '../../core/format';
import { shortId } from '../../core/reference';
import { html, type Html } from './html';
import type { LayerMapView } from './protocol';

/** Units of core/layer-map.ts are CSS pixels here: the tallest image is about this high. */
export const MAP_HEIGHT = 360;
/** A layer of a few bytes still gets a row a pointer can hit and a line of text fits in. */
export const MIN_LAYER_HEIGHT = 18;

/** `users` of each layer over every image the backend has (the Layers view's count), by chain ID. */
export function layerMapView(map: LayerMap, allUsers: ReadonlyMap<string, number>, notes: string[]): LayerMapView {
  const images = map.columns.length;
  const summary =
    images === 0
      ? 'No image to draw.'
      : `${formatCount(images, 'image')}, ${formatCount(map.cells.length, 'layer')}: ${formatBytes(map.storedBytes)} stored once` +
        (map.summedBytes > map.storedBytes ? ` for images that add up to ${formatBytes(map.summedBytes)}.` : '.');
  return {
    columns: map.columns.map((c) => ({ names: c.names, id: shortId(c.id), size: `${formatBytes(c.size)} · ${formatCount(c.layers, 'layer')}` })),
    cells: map.cells.map((c) => {
      const step = c.step || '(no build step recorded)';
      const everywhere = allUsers.get(c.chainId);
      const facts = [
        step,
        `Layer ${c.depth + 1} · ${formatBytes(c.size)} · diff ${shortId(c.diffId)}`,
        `Used here by ${c.users.join(', ')}`,
      ];
      if (everywhere !== undefined && everywhere > c.users.length) facts.push(`Among all images: shared by ${everywhere} images`);
      for (const same of c.sameContent) facts.push(`The same bytes are stored again as layer ${same.depth + 1} of ${same.name}, on another base`);
      facts.push('Click to see its files');
      return {
        key: c.chainId,
        first: c.first,
        last: c.last,
        bottom: c.bottom,
        height: c.height,
        label: step,
        size: formatBytes(c.size),
        shared: c.users.length > 1,
        facts,
      };
    }),
    height: map.height,
    summary,
    notes,
  };
}

/** The page before the map is read: the containers the page script fills. */
export function layerMapBody(): Html {
  return html`<div id="layer-map" class="layer-map">
<h1>Layer Map</h1>
<p id="map-summary" class="dim" role="status">Reading the images…</p>
<div id="map-notes"></div>
<div class="map-scroll"><div id="map-inner" class="map-inner">
<div id="map" class="map" role="list" aria-label="Layers, bottom to top"></div>
<div id="map-columns" class="map-columns"></div>
</div></div>
<p class="dim legend"><span class="swatch shared"></span> shared by images shown <span class="swatch own"></span> one image’s own · height by bytes (tiny layers raised to be seen)</p>
<div id="map-facts" class="map-facts" aria-live="polite"><span class="dim">Hover or focus a layer for its facts; click it to see its files.</span></div>
</div>`;
}
