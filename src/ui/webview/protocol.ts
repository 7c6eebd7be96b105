// The messages between the extension and its panels' page script, and the state a panel keeps across a window
// reload. Shared by both sides (the page bundle imports only types from here), so that a message one side sends
// is one the other side's compiler knows.
import type { Change } from '../../core/filetree';

/** What a panel shows: kept by the page with `vscode.setState` and handed back to the serializer after a reload. */
export type PanelState =
  | { kind: 'inspect'; ref: string }
  | { kind: 'history'; ref: string }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'layerFiles'; ref: string; layer?: number; merged?: boolean; view?: FilesView }
  | { kind: 'wastedSpace'; ref: string }
  | { kind: 'packages'; ref: string }
  /** The images picked by name, and the repositories picked whole (their tags read again on every refresh). */
  | { kind: 'layerMap'; refs: string[]; repos: string[] };

export type PanelKind = PanelState['kind'];

/** Where the reader was in Layer Files' tree (of the state's layer and view): kept by the page, so the folders
 * open and the scroll position come back with the tab (a hidden panel's page is dropped) and after a reload. */
export interface FilesView {
  expanded: string[];
  scrollY: number;
}

/** Folders a kept view holds at most (a stranger's state is not read without bound). */
const VIEW_PATHS = 500;

/** The state the extension sends, with the reader's place kept from the page's own state when it is of the same
 * layer and view (the extension does not know it); another layer starts at the top. */
export function keepView(kept: PanelState | undefined, next: PanelState): PanelState {
  if (next.kind !== 'layerFiles' || kept?.kind !== 'layerFiles' || !kept.view || next.view) return next;
  if (kept.ref !== next.ref || kept.layer !== next.layer || (kept.merged === true) !== (next.merged === true)) return next;
  return { ...next, view: kept.view };
}

/** One row of the Layer Files tree as the page gets it (plain data: the page builds the DOM with textContent). */
export interface FileRow {
  name: string;
  path: string;
  dir: boolean;
  /** Child count of a directory (what expanding it shows). */
  children: number;
  change: Change;
  size: string;
  bytes: number;
  mode: string;
  link?: string;
  kind: string;
  opaque?: boolean;
}

/** A page of a directory's children: `rows` from `offset`, of `total`. */
export interface ChildrenPage {
  path: string;
  offset: number;
  rows: FileRow[];
  total: number;
}

/** One entry of the Layer Files layer picker: the layer's position in RootFS and its step. */
export interface LayerOption {
  value: number;
  label: string;
}

/** The Layer Map as the page draws it: numbers already laid out (core/layer-map.ts), text already worded. */
export interface LayerMapView {
  columns: { names: string[]; id: string; size: string }[];
  cells: {
    /** The layer's chain ID: what the page names when a cell is clicked. */
    key: string;
    first: number;
    last: number;
    bottom: number;
    height: number;
    label: string;
    size: string;
    /** Used by more than one of the images shown. */
    shared: boolean;
    /** One line per fact: the hover and the facts box. */
    facts: string[];
  }[];
  height: number;
  summary: string;
  /** Names picked that no longer stand for an image, and the like. */
  notes: string[];
}

/** What the page shows, as a test (or a bug report) reads it. */
export interface PageProbe {
  /** The rendered text of the panel's content. */
  text: string;
  state: PanelState | undefined;
  scrollY: number;
  /** Stays the same while the page lives: an update that replaced the HTML would change it. */
  pageId: string;
  /** Updates rendered in place since the page loaded. */
  renders: number;
}

/** Layer Files messages carry the load they belong to: the page drops those of a load it has moved past. */
interface Sequenced {
  seq: number;
}

/** What a test asks the page to do before it reads it: scroll, point at or click the first element a selector
 * finds, or type into a field (its `input` event fires, as for a user's typing). */
export interface ProbeAction {
  scrollTo?: number;
  hover?: string;
  click?: string;
  fill?: { selector: string; value: string };
}

export type ToPage =
  /** The new state to keep (the page stores it with setState). */
  | { type: 'state'; state: PanelState }
  /** New content (escaped HTML made by html.ts), patched into the page in place so scroll and selection stay. */
  | { type: 'render'; html: string }
  /** A test-only request: the page does what `act` says, as a user would, then replies with `probed`. */
  | { type: 'probe'; id: number; act?: ProbeAction }
  | (Sequenced & { type: 'loading'; layer: number; merged: boolean; text: string })
  | (Sequenced &
      ChildrenPage & {
        type: 'tree';
        layer: number;
        merged: boolean;
        step: string;
        layers: LayerOption[];
        counts: string;
        /** How many entries of each kind the layer changes (the legend shows the kinds there are). */
        changes: { added: number; modified: number; removed: number };
        warnings: string[];
        skipped: number;
      })
  | (Sequenced & ChildrenPage & { type: 'children' })
  | (Sequenced & { type: 'matches'; query: string; rows: FileRow[]; total: number })
  /** The layer could not be read, or the image is gone: the page says so in its status line. */
  | (Sequenced & { type: 'error'; text: string })
  | { type: 'layerMap'; map: LayerMapView };

/** What a file row offers (ui/files/file-actions.ts): the file as of its layer, or against one layer down or the other image. */
export type FileAction = 'open' | 'diffBelow' | 'diffOther' | 'copyPath' | 'save';

export const FILE_ACTIONS: readonly FileAction[] = ['open', 'diffBelow', 'diffOther', 'copyPath', 'save'];

/** A file row's action: `side` names the image of a Compare row ('a' or 'b'). */
export interface FileRequest {
  type: 'file';
  action: FileAction;
  path: string;
  side?: 'a' | 'b';
}

export type FromPage =
  | { type: 'ready' }
  | FileRequest
  | { type: 'probed'; id: number; probe: PageProbe }
  | { type: 'select'; layer: number; merged: boolean }
  | { type: 'children'; path: string; offset: number }
  | { type: 'filter'; query: string }
  /** A Layer Map cell was clicked: open that layer's files. */
  | { type: 'openLayer'; key: string }
  /** Inspect's tree: copy the value or the jq path of the node at `path` (checked by the extension). */
  | { type: 'copy'; path: unknown[]; what: 'value' | 'path' }
  /** Inspect: the whole JSON in a read-only editor. */
  | { type: 'openJson' };

const KINDS: readonly PanelKind[] = ['inspect', 'history', 'compare', 'layerFiles', 'wastedSpace', 'packages', 'layerMap'];
/** Names a Layer Map keeps at most (a stranger's state is not read without bound). */
const MAP_NAMES = 200;

/** A state handed back by VS Code (or any other stranger) checked field by field: undefined unless it is whole. */
export function parsePanelState(value: unknown): PanelState | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
  if (!KINDS.includes(v.kind as PanelKind)) return undefined;
  if (v.kind === 'compare') return str(v.a) && str(v.b) ? { kind: 'compare', a: v.a, b: v.b } : undefined;
  if (v.kind === 'layerMap') {
    const names = (x: unknown) => (Array.isArray(x) ? x.filter(str).slice(0, MAP_NAMES) : []);
    const refs = names(v.refs);
    const repos = names(v.repos);
    return refs.length || repos.length ? { kind: 'layerMap', refs, repos } : undefined;
  }
  if (!str(v.ref)) return undefined;
  if (v.kind === 'layerFiles') {
    const layer = Number.isInteger(v.layer) && (v.layer as number) >= 0 ? (v.layer as number) : undefined;
    const state: PanelState = { kind: 'layerFiles', ref: v.ref, layer, merged: v.merged === true };
    const view = v.view as Record<string, unknown> | undefined;
    if (view && typeof view === 'object' && Array.isArray(view.expanded)) {
      const scrollY = typeof view.scrollY === 'number' && Number.isFinite(view.scrollY) && view.scrollY > 0 ? view.scrollY : 0;
      state.view = { expanded: view.expanded.filter(str).slice(0, VIEW_PATHS), scrollY };
    }
    return state;
  }
  return { kind: v.kind as 'inspect' | 'history' | 'wastedSpace' | 'packages', ref: v.ref };
}
