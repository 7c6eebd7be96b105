// The Packages panel and the layer rows' tooltips on an image made of this machine's own dpkg database (its
// status, its file lists and tar's docs), then a layer that removes tar, upgrades gzip and adds a package whose
// name is HTML: what the panel and the tooltips show, against dpkg-query.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { formatBytes } from '../../src/core/format';
import { api, imageNode, layerRows, loadImage, panelShowing, waitFor } from './api';

const TAG = 'suite/packages:1';
const HOSTILE = '<img src=x onerror="document.body.dataset.owned=1">';

/** What dpkg-query says is installed: name, version, installed bytes. */
function installed(): { name: string; version: string; size: number }[] {
  return execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\\t${Package}\\t${Version}\\t${Installed-Size}\\n'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('installed\t'))
    .map((l) => {
      const [, name, version, kib] = l.split('\t');
      return { name, version, size: Number(kib || 0) * 1024 };
    });
}

const tarDocs = () =>
  fs
    .readFileSync('/var/lib/dpkg/info/tar.list', 'utf8')
    .split('\n')
    .filter((f) => /^\/usr\/share\/(doc|man|info)\//.test(f) && fs.lstatSync(f, { throwIfNoEntry: false })?.isFile());

describe('Packages', function () {
  this.timeout(60_000);
  let image: { remove(): Promise<void> } | undefined;
  const packages = installed();
  const gzip = packages.find((p) => p.name === 'gzip') as { version: string };

  before(async () => {
    const status = fs.readFileSync('/var/lib/dpkg/status', 'utf8');
    const stanzas = status.split('\n\n').filter((s) => s.trim());
    const status2 = [
      ...stanzas.filter((s) => !s.startsWith('Package: tar\n')).map((s) => (s.startsWith('Package: gzip\n') ? s.replace(/^Version: .*$/m, 'Version: 9:1.99-1') : s)),
      `Package: ${HOSTILE}\nStatus: install ok installed\nInstalled-Size: 7\nArchitecture: all\nVersion: <b>1</b>`,
    ].join('\n\n');
    const lists = fs.readdirSync('/var/lib/dpkg/info').filter((f) => f.endsWith('.list')).map((f) => ({ path: `var/lib/dpkg/info/${f}`, content: fs.readFileSync(`/var/lib/dpkg/info/${f}`) }));
    const docs = tarDocs().map((f) => ({ path: f.slice(1), content: fs.readFileSync(f) }));
    image = await loadImage(await api(), {
      tags: [TAG],
      layers: [{ files: [{ path: 'var/lib/dpkg/status', content: status }, ...lists, ...docs] }, { files: [{ path: 'var/lib/dpkg/status', content: status2 }] }],
      history: [{ created_by: 'RUN apt-get install -y tar gzip' }, { created_by: 'RUN apt-get remove tar' }],
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await image?.remove();
  });

  // First, so that the hover is what reads the image (the panel after it finds the report made).
  it('says on each layer row what its packages came to, when hovered', async () => {
    const a = await api();
    // As the markdown shows: plain-text spaces are written as &nbsp; and punctuation escaped.
    const shown = (r: vscode.TreeItem) => (r.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
    const rows = await waitFor('the packages lines', async () => {
      const r = await layerRows(a, await imageNode(a, TAG));
      return r.every((x) => /Packages: \d/.test(shown(x))) ? r : undefined;
    }, 30_000);
    const lines = rows.map((r) => /Packages: .*/.exec(shown(r))?.[0]);
    assert.match(lines[0] ?? '', new RegExp(`^Packages: ${packages.length} packages added, \\S+, of which \\S+ docs$`));
    assert.match(lines[1] ?? '', /^Packages: 1 package added, 1 upgraded, \S+; 1 removed$/);
  });

  it('shows what each layer installed, upgraded and removed, as dpkg-query says, and a hostile name as text', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.showPackages', TAG);
    const shown = await panelShowing(a, `Packages ${TAG}`, /^Layer 2:/m, 45_000);
    const bytes = packages.reduce((n, p) => n + p.size, 0);
    const docs = tarDocs().reduce((n, f) => n + fs.statSync(f).size, 0);
    assert.match(shown.text, new RegExp(`^Layer 1: RUN apt-get install -y tar gzip\\n+${packages.length} packages added, ${formatBytes(bytes)}, of which ${formatBytes(docs)} docs · ${packages.length} installed as of this layer$`, 'm'));
    assert.match(shown.text, new RegExp(`^Layer 2: RUN apt-get remove tar\\n+1 package added, 1 upgraded, ${formatBytes(7 * 1024 + (packages.find((p) => p.name === 'gzip')?.size ?? 0))}; 1 removed · ${packages.length} installed as of this layer$`, 'm'));
    assert.ok(shown.text.includes(`added\t${HOSTILE}\t<b>1</b>\tall\t7.17kB`), 'the package name and version as the text they are');
    assert.ok(shown.text.includes(`upgraded\tgzip\t${gzip.version} → 9:1.99-1\t`), shown.text.slice(-2000));
    assert.match(shown.text, /^removed\ttar\t\S+\tamd64\t\S+\t\S+kB\tdpkg$/m);
    for (const p of packages.slice(0, 20)) assert.ok(shown.text.includes(`added\t${p.name}\t${p.version}\t`), `${p.name} ${p.version} in layer 1`);
    assert.deepStrictEqual(shown.state, { kind: 'packages', ref: TAG });
  });
});
