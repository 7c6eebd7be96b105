// The extension as several CommonJS files that share one copy of each module (esbuild splits only ESM):
// - the core (what activation needs) exposes every module it loads at start in `__modules`;
// - each lazy bundle (required on first use) takes those modules from the core at run time instead of
//   bundling copies of them: one BackendError class for `instanceof`, one log sink, one set of limits;
// - a package the core only reaches through `import()` (dockerode) is a file of its own under vendor/,
//   read when that import runs.
// docs/architecture.md, *How a feature stays out of activation*.
import * as path from 'node:path';

const CORE_NAMESPACE = 'core-module';

/** The source files (not packages) the entry reaches by static imports only: those load with the core. */
function staticClosure(metafile, entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !metafile.inputs[file]) return;
    seen.add(file);
    for (const i of metafile.inputs[file].imports) if (i.kind === 'import-statement' || i.kind === 'require-call') visit(i.path);
  };
  visit(entry);
  return [...seen].filter((f) => !f.includes('node_modules/') && /\.ts$/.test(f));
}

/** The packages the core imports only with import(): each becomes dist/vendor/<name>.js. */
function dynamicPackages(metafile, sources) {
  const names = new Set();
  for (const file of sources) {
    for (const i of metafile.inputs[file].imports) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i.path);
      if (i.kind === 'dynamic-import' && m && i.original === m[1]) names.add(m[1]);
    }
  }
  return [...names];
}

const vendorFile = (name) => `vendor/${name.replace(/\//g, '+')}.js`;

/** `import('pkg')` in the core requires ./vendor/pkg.js next to the core's file when that import runs. */
function vendorImports(packages) {
  return {
    name: 'vendor-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) =>
        args.kind === 'dynamic-import' && packages.includes(args.path) ? { path: args.path, namespace: 'vendor' } : undefined,
      );
      build.onResolve({ filter: /.*/, namespace: 'vendor' }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${vendorFile(args.path)}`)});`,
        loader: 'js',
      }));
    },
  };
}

/** In a lazy bundle, an import of a core module becomes that module as the core loaded it. */
function coreModules(root, shared, coreFile) {
  const keys = new Set(shared);
  return {
    name: 'core-modules',
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.namespace === CORE_NAMESPACE || args.pluginData === CORE_NAMESPACE) return undefined;
        const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: CORE_NAMESPACE });
        const key = path.relative(root, resolved.path).split(path.sep).join('/');
        return keys.has(key) ? { path: key, namespace: CORE_NAMESPACE } : undefined;
      });
      build.onResolve({ filter: /.*/, namespace: CORE_NAMESPACE }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: CORE_NAMESPACE }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${coreFile}`)}).__modules[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Builds `core` into `outdir/coreFile`, each of `lazy` ({entry, file}) into `outdir/file`, and each package the
 * core only imports dynamically into `outdir/vendor/`. Returns the core's metafile.
 */
export async function buildSplit(esbuild, { root, options, core, coreFile, lazy = [], outdir }) {
  const probe = await esbuild.build({ ...options, entryPoints: [core], write: false, metafile: true, outfile: path.join(outdir, coreFile), plugins: [...(options.plugins ?? [])] });
  const coreEntry = path.relative(root, path.resolve(root, core)).split(path.sep).join('/');
  const shared = staticClosure(probe.metafile, coreEntry);
  const packages = dynamicPackages(probe.metafile, Object.keys(probe.metafile.inputs).filter((f) => !f.includes('node_modules/')));
  const entry = [
    `export * from ${JSON.stringify(`./${coreEntry}`)};`,
    ...shared.map((f, i) => `import * as m${i} from ${JSON.stringify(`./${f}`)};`),
    `export const __modules = {${shared.map((f, i) => `${JSON.stringify(f)}: m${i}`).join(', ')}};`,
  ].join('\n');
  const plugins = [...(options.plugins ?? []), vendorImports(packages)];
  const [built] = await Promise.all([
    esbuild.build({
      ...options,
      plugins,
      stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: `${coreFile} (core modules)` },
      outfile: path.join(outdir, coreFile),
      metafile: true,
    }),
    ...lazy.map((l) =>
      esbuild.build({ ...options, plugins: [...plugins, coreModules(root, shared, coreFile)], entryPoints: [l.entry], outfile: path.join(outdir, l.file) }),
    ),
    ...packages.map((name) =>
      esbuild.build({
        ...options,
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js', sourcefile: `${name}.js` },
        outfile: path.join(outdir, vendorFile(name)),
      }),
    ),
  ]);
  return built.metafile;
}
