// Hovers on image references in a Dockerfile: a present image, an absent one, a stage name, hostile labels.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { htmlTargets, renderMarkdown, shownText } from '../fixtures/markdown';
import { api, imageNode, waitFor } from './api';

const DOCKERFILE = [
  'ARG BASE=sample/app',
  'FROM ${BASE}:1.0 AS build',
  'RUN make',
  'FROM build AS test',
  'FROM absent/image:9.9',
  'COPY --from=build /app /app',
  'FROM scratch',
].join('\n');

async function hoverAt(doc: vscode.TextDocument, line: number, character: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, character));
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

describe('Dockerfile hover', function () {
  this.timeout(30_000);
  let doc: vscode.TextDocument;

  before(async () => {
    doc = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: DOCKERFILE });
  });

  it('describes a present image: name, ID, size, layers, platform, ports, command and links', async () => {
    const a = await api();
    const node = await imageNode(a, 'sample/app:1.0');
    const md = await hoverAt(doc, 1, 8);
    const text = shownText(md);
    assert.match(text, /sample\/app:1\.0/);
    assert.ok(text.includes(node.summary.Id.slice(7, 19)), 'the short image ID');
    assert.match(text, /4 layers/);
    assert.match(text, /linux\/amd64/);
    // What matters first, then the links, then the rest: a hover cut short near the top of a file keeps them.
    assert.match(text, /17\.8kB · 4 layers · /);
    assert.match(text, /3 layers \(\d+(\.\d+)?kB\) shared with other images/);
    assert.ok(md.indexOf('command:imageLayers.inspectImage') < md.indexOf(node.summary.Id.slice(7, 19)), 'the links come before the ID');
    assert.match(text, /8080\/tcp/);
    assert.match(md, /command:imageLayers\.inspectImage/);
    assert.match(md, /command:imageLayers\.showHistory/);
    assert.match(md, /command:imageLayers\.revealImage/);
  });

  it('says when an image is not present, with a Pull link', async () => {
    const text = await hoverAt(doc, 4, 8);
    assert.match(text, /Not present locally/);
    assert.match(text, /command:imageLayers\.pullImage/);
  });

  it('hovers a stage name as the stage, not as an image', async () => {
    const text = await hoverAt(doc, 3, 6);
    assert.match(text, /Build stage \*\*build\*\*, defined by the `FROM` on line 2/);
    const copy = await hoverAt(doc, 5, 13);
    assert.match(copy, /Build stage \*\*build\*\*/);
  });

  it('renders labels with HTML and markdown links as plain text', async () => {
    const md = await hoverAt(doc, 1, 8);
    const html = renderMarkdown(md);
    // The label is `<b>bold</b> [x](https://example.com) <script>…`: escaped, it can neither link nor run.
    assert.deepStrictEqual(htmlTargets(html).filter((t) => !t.startsWith('command:')), [], 'no link but the hover’s own');
    assert.ok(!/<(script|b)\b/.test(html), 'no raw HTML tags');
    assert.ok(shownText(md).includes('<b>bold</b> [x](https://example.com)'), 'the label reads as written');
  });

  it('says what FROM scratch is', async () => {
    const text = await hoverAt(doc, 6, 7);
    assert.match(text, /the empty image/);
  });
});

describe('Dockerfile hover on a new untitled document', function () {
  this.timeout(30_000);

  it('reads the new document, not a closed one that had its name', async () => {
    const first = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: 'FROM sample/app:1.0\n' });
    await vscode.window.showTextDocument(first);
    assert.match(shownText(await hoverAt(first, 0, 8)), /sample\/app:1\.0/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    // The name is free again only once the workbench has let the closed document go.
    await waitFor(`${first.uri.toString()} to close`, () => (first.isClosed ? true : undefined));
    const second = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: 'FROM sample/base:1.0\n' });
    await vscode.window.showTextDocument(second);
    try {
      // The workbench hands the new text to the extension host a moment after the close (under load, after the first
      // hover asked): a cache by name and version would answer the closed document's image for ever.
      let shown = '';
      await waitFor(`${second.uri.toString()} (the closed one was ${first.uri.toString()}) to hover as sample/base:1.0`, async () => {
        shown = shownText(await hoverAt(second, 0, 8));
        return /sample\/base:1\.0/.test(shown) ? shown : undefined;
      }).catch((e: Error) => {
        const held = vscode.workspace.textDocuments.filter((d) => d.uri.toString() === second.uri.toString()).map((d) => JSON.stringify(d.getText()));
        throw new Error(`${e.message}; it hovers as ${JSON.stringify(shown)}; the extension host holds ${held.join(', ') || 'no document'} under that name; second.getText() = ${JSON.stringify(second.getText())}`);
      });
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});

describe('Dockerfile hover with an engine that never answers', function () {
  this.timeout(30_000);
  const config = () => vscode.workspace.getConfiguration('imageLayers');
  let server: net.Server;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-hang-'));
    const socket = path.join(dir, 'hang.sock');
    // Accepts connections and reads requests, but never says a word back.
    server = net.createServer((conn) => conn.on('data', () => undefined));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    await config().update('dockerHost', `unix://${socket}`, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'docker', vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the engine backend', async () => ((await a.backend()).kind !== 'builtin' ? true : undefined));
  });

  after(async () => {
    await config().update('dockerHost', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'builtin', vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the built-in store again', async () => ((await a.backend()).kind === 'builtin' ? true : undefined));
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers within a few seconds and says the engine did not answer', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: 'FROM sample/app:1.0\n' });
    const started = Date.now();
    const text = shownText(await hoverAt(doc, 0, 8));
    const took = Date.now() - started;
    assert.ok(took < 5000, `the hover took ${took} ms`);
    assert.match(text, /did not answer in time/);
    assert.match(text, /sample\/app:1\.0/, 'still names the image');
  });
});
