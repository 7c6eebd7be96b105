// Text from a stranger's image in the panels: a label, a build step and a file name written as HTML show as the
// text they are, in Layer Map's cells and facts too (were they parsed, the page's text would lack their tags).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, loadImage, panelShowing } from './api';

const TAG = 'hostile/panels:1';
const LABEL = '<img src=x onerror="document.body.dataset.owned=1">';
const STEP = 'RUN echo </code></td><script>document.body.dataset.owned=1</script>';
const FILE = '<img src=x onerror=alert(1)>.txt'; // no slash: a slash would make it a folder

describe('Panels of a hostile image', function () {
  this.timeout(30_000);
  let image: { remove(): Promise<void> } | undefined;

  before(async () => {
    const layers = [{ files: [{ path: FILE, content: 'x' }] }];
    image = await loadImage(await api(), { tags: [TAG], layers, history: [{ created_by: STEP }], config: { Labels: { site: LABEL } } });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await image?.remove();
  });

  it('shows the label in Inspect, the step in History and the file name in Layer Files as text', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.inspectImage', TAG);
    const inspect = await panelShowing(a, `Inspect ${TAG}`, /^Labels/m);
    assert.ok(inspect.text.includes(`site\t${LABEL}`), inspect.text);
    await vscode.commands.executeCommand('imageLayers.showHistory', TAG);
    const history = await panelShowing(a, `History ${TAG}`, /CREATED BY/);
    assert.ok(history.text.includes(STEP), history.text);
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', TAG);
    const files = await panelShowing(a, `Layer Files ${TAG}`, /^Changes in layer 1\./m);
    assert.ok(files.text.includes(FILE), files.text);
    await vscode.commands.executeCommand('imageLayers.showLayerMap', TAG);
    await panelShowing(a, 'Layer Map', /^1 image, 1 layer/m);
    const map = await a.probePanel('Layer Map', { hover: '.cell' });
    assert.ok(map?.text.includes(STEP), map?.text);
  });
});
