// Text from a stranger's image in the places VS Code renders as markdown: the Images view's layer tooltip
// (the build step in a code block) and the Dockerfile hover (labels). Rendered as VS Code renders them
// (marked), nothing in them may link or load anything; the extension's own command links stay.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeDockerSaveArchive } from '../fixtures/archives';
import { decodeHtml, htmlTargets, renderMarkdown, shownText } from '../fixtures/markdown';
import { api, imageNode, layerRows, waitFor } from './api';

const BREAKOUT = 'RUN echo hi\n   ```\n[click me](https://evil.example/steal) ![pixel](https://evil.example/pixel.png)\n<img src="https://evil.example/html.png">';
const LABEL = 'see https://evil.example/bare www.evil.example [x](https://evil.example/md) ![p](https://evil.example/p.png)';

describe('Markdown from a hostile image', function () {
  this.timeout(30_000);
  let dir: string;
  let id: string;

  before(async () => {
    const a = await api();
    const backend = await a.backend();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-suite-'));
    const archive = path.join(dir, 'hostile.tar');
    const image = {
      tags: ['hostile/markdown:1'],
      layers: [{ files: [{ path: 'x', content: 'x' }] }],
      history: [{ created_by: BREAKOUT }],
      config: { Labels: { site: LABEL } },
    };
    ({ ids: [id] } = await writeDockerSaveArchive(archive, [image]));
    await backend.capabilities.archive!.loadArchive(archive);
    a.refresh();
  });

  after(async () => {
    const a = await api();
    await (await a.backend()).capabilities.manage!.removeImage(id, { force: true }).catch(() => undefined);
    a.refresh();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows a build step that tries to close its code block as code: no link, no image', async () => {
    const a = await api();
    const rows = await waitFor('the hostile image in the Images view', async () => layerRows(a, await imageNode(a, 'hostile/markdown:1')));
    const tooltip = rows[0].tooltip as vscode.MarkdownString;
    const html = renderMarkdown(tooltip.value);
    assert.deepStrictEqual(htmlTargets(html), [], html);
    const code = /<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/.exec(html);
    assert.strictEqual(decodeHtml(code?.[1] ?? '').replace(/\n$/, ''), BREAKOUT, 'the whole step, as written, inside the code block');
  });

  it('shows a label with URLs and markdown links in the FROM hover as text, beside the hover’s own command links', async () => {
    await api();
    const doc = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: 'FROM hostile/markdown:1\n' });
    const hovers = await waitFor('a hover naming the label', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 8));
      const value = h.flatMap((x) => x.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
      return value.includes('site') ? value : undefined;
    });
    const html = renderMarkdown(hovers);
    const targets = htmlTargets(html);
    assert.ok(targets.length >= 3, 'the hover keeps its Inspect, History and Reveal links');
    assert.deepStrictEqual(targets.filter((t) => !t.startsWith('command:imageLayers.')), [], html);
    assert.ok(shownText(hovers).includes(`site=${LABEL}`), 'the label reads as written');
  });
});
