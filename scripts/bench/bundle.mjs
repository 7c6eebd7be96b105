// The backend and core modules the tree benchmark times, bundled and minified as the extension ships them
// (one file, the extension's esbuild options), so that a fresh process pays the load cost the extension pays,
// not that of tsc's one-file-per-module output.
import { join } from 'node:path';
import { bundleOptions } from '../lib/bundle-options.mjs';

const ENTRY = `
export { BuiltinStore } from './src/backend/store';
export { DockerBackend } from './src/backend/docker';
export { ImageCatalog } from './src/backend/catalog';
export { arrangeImages } from './src/core/arrange';
export { layersBySize } from './src/core/sharing';
`;

/** Builds out/bench/view-model.js and returns its path. */
export async function viewModelBundle(root) {
  const esbuild = await import(join(root, 'node_modules/esbuild/lib/main.js'));
  const outfile = join(root, 'out/bench/view-model.js');
  await esbuild.build({
    ...bundleOptions,
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'view-model.ts' },
    outfile,
    minify: true,
  });
  return outfile;
}
