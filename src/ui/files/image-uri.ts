// Addresses of image files: image-layers://<image id hex>/layer-<n>[-changes]/<path>. The image is named by its
// ID (a retag never changes what an address shows), the layer counted from 1 at the bottom as the views count
// it; `layer-3` is the merged filesystem as of layer 3, `layer-3-changes` that layer's own entries.
import * as vscode from 'vscode';
import type { ViewKey } from '../../backend/image-files';

export const IMAGE_FILES_SCHEME = 'image-layers';

export interface ImageFileAddress extends ViewKey {
  /** The path in the image, '' for its root. */
  path: string;
}

export function imageFileUri(key: ViewKey, path = ''): vscode.Uri {
  const hex = key.imageId.replace(/^sha256:/, '');
  const segment = `layer-${key.layer + 1}${key.mode === 'changes' ? '-changes' : ''}`;
  // Every segment escaped by Uri itself: a hostile name stays one segment of one path.
  return vscode.Uri.from({ scheme: IMAGE_FILES_SCHEME, authority: hex, path: `/${segment}${path ? '/' + path.replace(/^\/+/, '') : ''}` });
}

/** The address a URI names, or a sentence saying why it names none. */
export function parseImageFileUri(uri: vscode.Uri): ImageFileAddress | string {
  if (uri.scheme !== IMAGE_FILES_SCHEME) return `${uri.toString()} is not an image file address.`;
  if (!/^[a-f0-9]{64}$/.test(uri.authority)) return `${uri.toString()} does not name an image by its ID.`;
  const [, segment = '', ...rest] = uri.path.split('/');
  const m = /^layer-([1-9]\d{0,5})(-changes)?$/.exec(segment);
  if (!m) return `${uri.toString()} names no layer (layer-N or layer-N-changes).`;
  return { imageId: `sha256:${uri.authority}`, layer: Number(m[1]) - 1, mode: m[2] ? 'changes' : 'merged', path: rest.join('/') };
}
