// The esbuild options every bundle of the extension's code shares: the extension, the command line, and the
// bundle the benchmarks load (so that they time the code as it ships).
import * as path from 'node:path';

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
// docker-modem loads ssh2 (about 60 ms) when it loads, though only ssh:// hosts use it: load it on first use.
const lazySsh = {
  name: 'lazy-ssh',
  setup(build) {
    build.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      /[\\/]docker-modem[\\/]lib$/.test(args.resolveDir)
        ? { path: path.join(args.resolveDir, 'ssh.js'), namespace: 'lazy-ssh' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-ssh' }, (args) => ({
      contents: `module.exports = function (options) { return require(${JSON.stringify(args.path)})(options); };`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  plugins: [noBuildkit, lazySsh],
  // Optional native helpers of ssh2 (used by dockerode for ssh:// hosts); ssh2 works without them.
  // sql.js (SQLite as WebAssembly, for rpm databases) ships as its own file beside the bundles (esbuild.mjs):
  // 80 KB that no session without an rpm image loads.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node', 'sql.js'],
};

