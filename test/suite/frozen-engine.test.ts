// The extension pointed at an engine that accepts the connection and never answers (a frozen dockerd): what it
// asks ends within the deadline with a sentence, instead of waiting forever.
import * as assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, waitFor } from './api';

describe('a frozen engine', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'frozen-engine-'));
  const socket = path.join(dir, 'docker.sock');
  const held = new Set<net.Socket>();
  const server = net.createServer((c) => {
    held.add(c);
    c.on('error', () => undefined);
  });
  const config = () => vscode.workspace.getConfiguration('imageLayers');
  let saved: { backend?: string; dockerHost?: string };

  before(async () => {
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    saved = { backend: config().inspect<string>('backend')?.workspaceValue, dockerHost: config().inspect<string>('dockerHost')?.workspaceValue };
  });

  after(async () => {
    await config().update('dockerHost', saved.dockerHost, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', saved.backend, vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the built-in store again', async () => ((await a.backend()).kind === 'builtin' ? true : undefined));
    for (const c of held) c.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('inspecting an image ends within 30 s with a sentence that names the engine', async () => {
    await config().update('dockerHost', `unix://${socket}`, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'docker', vscode.ConfigurationTarget.Workspace);
    const a = await api();
    const engine = await waitFor('the engine backend', async () => {
      const b = await a.backend();
      return b.kind === 'builtin' ? undefined : b;
    });
    const t0 = Date.now();
    await assert.rejects(engine.inspectImage('sample/app:1.0'), (e: Error) => {
      assert.match(e.message, new RegExp(`The engine at unix://${socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} did not answer within 30 s .*is it running, or stuck\\?`));
      return true;
    });
    const waited = Date.now() - t0;
    assert.ok(waited < 40_000, `took ${waited} ms`);
  });
});
