// A real dockerd, started by the test, stopped and started again under the open window: the status bar and the
// Images view say the engine is gone, and come back by themselves when it is back; changes flow again after.
import * as assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as vscode from 'vscode';
import { DockerBackend } from '../../src/backend/docker';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { api, waitFor } from './api';

interface Dockerd {
  socketPath: string;
  stop(): Promise<void>;
}
interface ServicesModule {
  startDockerd(dir: string): Promise<Dockerd>;
}

// tsc turns import() into require() under module commonjs, and require cannot load an .mjs file.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
const services = () => importEsm(pathToFileURL(path.resolve(__dirname, '..', '..', '..', 'scripts', 'lib', 'services.mjs')).href) as Promise<ServicesModule>;

describe('an engine stopped and started under an open window', function () {
  this.timeout(180_000);
  // Short: the engine's sockets live under it.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'il-sr-'));
  const config = () => vscode.workspace.getConfiguration('imageLayers');
  let saved: { backend?: string; dockerHost?: string };
  let dockerd: Dockerd | undefined;
  let client: DockerBackend | undefined;

  before(async () => {
    saved = { backend: config().inspect<string>('backend')?.workspaceValue, dockerHost: config().inspect<string>('dockerHost')?.workspaceValue };
    dockerd = await (await services()).startDockerd(dir);
    client = new DockerBackend({ host: `unix://${dockerd.socketPath}` });
    const archive = path.join(dir, 'samples.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    await client.loadArchive(archive);
  });

  after(async () => {
    await config().update('dockerHost', saved.dockerHost, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', saved.backend, vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the built-in store again', async () => ((await a.backend()).kind === 'builtin' ? true : undefined));
    client?.dispose();
    await dockerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the status bar and the Images view say the engine is gone, then come back by themselves', async () => {
    const host = `unix://${dockerd?.socketPath}`;
    await config().update('dockerHost', host, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'docker', vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the engine backend', async () => ((await a.backend()).kind === 'docker' ? true : undefined));
    await waitFor('sample/app:1.0 in the Images view', async () => (await a.images.findImage('sample/app:1.0')) && true, 30_000);
    await a.watchReady();
    assert.strictEqual(a.statusText(), '$(layers) Docker');

    await dockerd?.stop();
    await waitFor('the status bar to say the engine is gone', () => a.statusText() === '$(debug-disconnect) Docker: gone' || undefined, 30_000);
    // The view refreshed by itself when the stream was lost: its message names the engine.
    await waitFor(
      'the Images view to say no engine answers',
      async () => {
        await a.images.getChildren();
        return a.imagesView.message?.includes(`No Docker engine answers at ${host}`) || undefined;
      },
      30_000,
    );

    dockerd = await (await services()).startDockerd(dir);
    assert.strictEqual(`unix://${dockerd.socketPath}`, host, 'the same socket');
    await waitFor('the status bar to say Docker again', () => a.statusText() === '$(layers) Docker' || undefined, 60_000);
    await waitFor('sample/app:1.0 back in the Images view', async () => (await a.images.findImage('sample/app:1.0')) && !a.imagesView.message, 30_000);

    // Events flow again: a tag made outside the extension shows without a refresh asked for.
    await client?.tagImage('sample/app:1.0', 'restarted/app', '1');
    await waitFor('the new tag in the Images view', async () => (await a.images.findImage('restarted/app:1')) && true, 30_000);
  });
});
