// The image-layers file system as VS Code's own API reads it (workspace.fs, text documents): files as of a layer,
// a layer's changes, and bad addresses (a climb above the root, a symlink loop, an image that is not there, a
// write) each a FileSystemError whose message says what is wrong. Nothing is read outside the image.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, loadImage } from './api';

const uri = (id: string, rest: string) => vscode.Uri.parse(`image-layers://${id.replace(/^sha256:/, '')}/${rest}`);

describe('image files through VS Code', function () {
  this.timeout(60_000);
  let image: Awaited<ReturnType<typeof loadImage>>;
  before(async () => {
    image = await loadImage(await api(), {
      tags: ['suite/files:1'],
      layers: [
        { files: [{ path: 'etc/app.conf', content: 'one\n' }, { path: 'etc/hosts', content: 'image hosts\n' }] },
        { files: [{ path: 'etc/app.conf', content: 'two\n' }, { path: 'etc/loop', type: 'symlink', linkname: 'loop' }, { path: 'etc/up', type: 'symlink', linkname: '../../../../etc/hosts' }, { path: 'srv/app.json', content: '{"a": 1}\n' }] },
      ],
    });
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await image?.remove();
  });

  const text = async (u: vscode.Uri) => Buffer.from(await vscode.workspace.fs.readFile(u)).toString();
  async function refused(u: vscode.Uri, code: string, message: RegExp): Promise<void> {
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(u)), (e: unknown) => {
      assert.ok(e instanceof vscode.FileSystemError, `a FileSystemError, not ${String(e)}`);
      assert.strictEqual(e.code, code);
      assert.match(e.message, message);
      return true;
    });
  }

  it('reads a file as of each layer, lists folders, and opens documents read-only with their language', async () => {
    assert.strictEqual(await text(uri(image.id, 'layer-1/etc/app.conf')), 'one\n');
    assert.strictEqual(await text(uri(image.id, 'layer-2/etc/app.conf')), 'two\n');
    const listing = await vscode.workspace.fs.readDirectory(uri(image.id, 'layer-2/etc'));
    assert.deepStrictEqual(
      listing.sort(([a], [b]) => a.localeCompare(b)),
      [
        ['app.conf', vscode.FileType.File],
        ['hosts', vscode.FileType.File],
        ['loop', vscode.FileType.SymbolicLink | vscode.FileType.Unknown],
        ['up', vscode.FileType.SymbolicLink | vscode.FileType.File],
      ],
    );
    assert.deepStrictEqual((await vscode.workspace.fs.readDirectory(uri(image.id, 'layer-2-changes/etc'))).map(([n]) => n).sort(), ['app.conf', 'loop', 'up']);
    const doc = await vscode.workspace.openTextDocument(uri(image.id, 'layer-2/etc/app.conf'));
    assert.strictEqual(doc.getText(), 'two\n');
    assert.strictEqual((await vscode.workspace.openTextDocument(uri(image.id, 'layer-2/srv/app.json'))).languageId, 'json');
    assert.strictEqual(vscode.workspace.fs.isWritableFileSystem('image-layers'), false);
  });

  it('an address names the image by ID: a retag of its name to another image changes nothing it shows', async () => {
    const before = await text(uri(image.id, 'layer-2/etc/app.conf'));
    const other = await loadImage(await api(), { tags: ['suite/files:1'], layers: [{ files: [{ path: 'etc/app.conf', content: 'another image\n' }] }] });
    try {
      assert.notStrictEqual(other.id, image.id);
      assert.strictEqual((await (await (await api()).backend()).inspectImage('suite/files:1')).Id, other.id, 'the name now names the other image');
      assert.strictEqual(await text(uri(image.id, 'layer-2/etc/app.conf')), before);
    } finally {
      await other.remove();
    }
  });

  it("a link's `..` stays inside the image; a climb, a loop, a missing image and a write say what is wrong", async () => {
    assert.strictEqual(await text(uri(image.id, 'layer-2/etc/up')), 'image hosts\n', "the image's /etc/hosts");
    await refused(uri(image.id, 'layer-2/etc/../../../etc/passwd'), 'NoPermissions', /climbs above the image's root/);
    await refused(uri(image.id, 'layer-2/etc/loop'), 'Unavailable', /too many levels of symbolic links/);
    await refused(uri(image.id, 'layer-1/etc/loop'), 'FileNotFound', /is not in the image at this layer/);
    await refused(uri(image.id, 'layer-9/etc/app.conf'), 'FileNotFound', /has 2 layers; there is no layer 9/);
    await refused(uri('0'.repeat(64), 'layer-1/etc/app.conf'), 'FileNotFound', /./);
    await refused(vscode.Uri.parse('image-layers://not-an-id/layer-1/x'), 'FileNotFound', /does not name an image by its ID/);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri(image.id, 'layer-2/etc/app.conf'), Buffer.from('x'))), /read-?only/i);
  });
});
