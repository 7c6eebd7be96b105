// Sample data for `npm start`, the extension-host suite and the e2e test: a built-in store seeded from the
// test fixtures' `docker save` archive, and a workspace with Dockerfiles that use those images.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './code-server.mjs';

const require = createRequire(import.meta.url);
const compiled = (rel) => path.join(repoRoot, 'out', rel);

/**
 * Loads the fixtures' sample images (sample/base:1.0, sample/app:1.0 and :latest) into the built-in store at
 * storeDir, through the store itself (out/, from `npx tsc -p .`) or, failing that, the command line (dist/cli.js).
 * @returns {Promise<{ ids: Record<string, string> }>} image ID (`sha256:…`) by tag
 */
export async function seedSampleStore(storeDir) {
  const fixtures = compiled('test/fixtures/archives.js');
  if (!fs.existsSync(fixtures)) throw new Error(`${fixtures} is missing: run \`npx tsc -p .\` first`);
  const { writeDockerSaveArchive, sampleImages } = require(fixtures);
  const images = sampleImages();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-sample-'));
  try {
    const archive = path.join(tmp, 'sample.tar');
    const { ids } = await writeDockerSaveArchive(archive, images);
    fs.mkdirSync(storeDir, { recursive: true });
    const storeModule = compiled('src/backend/store/index.js');
    const cli = path.join(repoRoot, 'dist', 'cli.js');
    if (fs.existsSync(storeModule)) {
      const { BuiltinStore } = require(storeModule);
      const store = new BuiltinStore(storeDir);
      try {
        await store.loadArchive(archive);
      } finally {
        store.dispose?.();
      }
    } else if (fs.existsSync(cli)) {
      execFileSync(process.execPath, [cli, 'load', '--store', storeDir, archive], { stdio: ['ignore', 'ignore', 'inherit'] });
    } else {
      throw new Error(`neither ${storeModule} nor ${cli} exists: build first (npx tsc -p . && node esbuild.mjs)`);
    }
    /** @type {Record<string, string>} */
    const byTag = {};
    images.forEach((img, i) => img.tags.forEach((t) => (byTag[t] = ids[i])));
    return { ids: byTag };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const sampleDockerfile = `# A sample workspace for Image Layers: hover over an image name on a FROM line.
FROM sample/app:1.0

ENV GREETING=hello
CMD ["node", "/app/server.js"]
`;

export const sampleMultiStage = `# Multi-stage: the second stage copies from the first by its name.
FROM sample/base:1.0 AS build
RUN echo built > /artifact

FROM sample/app:latest
COPY --from=build /artifact /app/artifact
`;

/**
 * Writes a workspace folder: a Dockerfile (FROM sample/app:1.0), a multi-stage example, and
 * .vscode/settings.json pointing the extension at the built-in store in storePath.
 */
export function makeSampleWorkspace(dir, { storePath, settings = {} }) {
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), sampleDockerfile);
  fs.writeFileSync(path.join(dir, 'multi-stage.Dockerfile'), sampleMultiStage);
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify({ 'imageLayers.backend': 'builtin', 'imageLayers.storePath': storePath, ...settings }, null, 2) + '\n',
  );
  return dir;
}
