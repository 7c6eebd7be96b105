// The messages between the extension and its panels' page script, and the state a panel keeps across a window
// reload. Shared by both sides (the page bundle imports only types from here), so that a message one side sends
// is one the other side's compiler knows.
import type { Change } from '../../core/filetree';

/** What a panel shows: kept by the page with `vscode.setState` and handed back to the serializer after a reload. */
export type PanelState =
  | { kind: 'inspect'; ref: string }
  | { kind: 'history'; ref: string }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'layerFiles'; ref: string; layer?: number; merged?: boolean }
  | { kind: 'wastedSpace'; ref: string };

export type PanelKind = PanelState['kind'];

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

/** What a test asks the page to do before it reads it: scroll, click the first element a selector finds, or type
 * into a field (its `input` event fires, as for a user's typing). */
export interface ProbeAction {
  scrollTo?: number;
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
  | (Sequenced & ChildrenPage & { type: 'tree'; layer: number; merged: boolean; step: string; layers: LayerOption[]; counts: string; warnings: string[]; skipped: number })
  | (Sequenced & ChildrenPage & { type: 'children' })
  | (Sequenced & { type: 'matches'; query: string; rows: FileRow[]; total: number })
  /** The layer could not be read, or the image is gone: the page says so in its status line. */
  | (Sequenced & { type: 'error'; text: string });

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
  | { type: 'filter'; query: string };

const KINDS: readonly PanelKind[] = ['inspect', 'history', 'compare', 'layerFiles', 'wastedSpace'];

/** A state handed back by VS Code (or any other stranger) checked field by field: undefined unless it is whole. */
export function parsePanelState(value: unknown): PanelState | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
  if (!KINDS.includes(v.kind as PanelKind)) return undefined;
  if (v.kind === 'compare') return str(v.a) && str(v.b) ? { kind: 'compare', a: v.a, b: v.b } : undefined;
  if (!str(v.ref)) return undefined;
  if (v.kind === 'layerFiles') {
    const layer = Number.isInteger(v.layer) && (v.layer as number) >= 0 ? (v.layer as number) : undefined;
    return { kind: 'layerFiles', ref: v.ref, layer, merged: v.merged === true };
  }
  return { kind: v.kind as 'inspect' | 'history' | 'wastedSpace', ref: v.ref };
}
