// Bundles the extension (vscode external) and the command line into dist/.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');

// dockerode's BuildKit session support pulls in gRPC and protobuf (about 400 KB); the extension never builds
// images, so those two modules become stubs that fail clearly if anything ever calls them.
const noBuildkit = {
  name: 'no-buildkit',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'no-buildkit' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-buildkit' }, () => ({
      contents:
        "module.exports = function () { throw new Error('BuildKit sessions are not part of this build.'); };",
      loader: 'js',
    }));
  },
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  plugins: [noBuildkit],
  // Optional native helpers of ssh2 (used by dockerode for ssh:// hosts); ssh2 works without them.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', metafile: true }),
  esbuild.build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
