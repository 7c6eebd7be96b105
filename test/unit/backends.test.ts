// Backends by id and by capability: what the Switch Backend pick, the setting and the menus offer follows from
// what is registered and what each backend declares.
import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError, type ImageBackend } from '../../src/backend/backend';
import { backendFactories, registerBackend } from '../../src/backend/backends';
import { CAPABILITY_NAMES, requireCapability, type CapabilityName } from '../../src/backend/capabilities';
import { openBackend } from '../../src/backend/select';

interface Menu {
  command: string;
  when?: string;
}
const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { menus: Record<string, Menu[]>; configuration: { properties: Record<string, { enum?: string[] }> } };
};
const menus = Object.entries(manifest.contributes.menus).flatMap(([where, items]) => items.map((m) => ({ where, ...m })));

/** The commands that need a capability, and which. */
const NEEDS: Record<string, CapabilityName> = {
  'imageLayers.tagImage': 'manage',
  'imageLayers.removeImage': 'manage',
  'imageLayers.pruneDangling': 'manage',
  'imageLayers.pullImage': 'transfer',
  'imageLayers.pushImage': 'transfer',
  'imageLayers.searchImages': 'transfer',
  'imageLayers.runImage': 'run',
  'imageLayers.loadArchive': 'archive',
  'imageLayers.saveImage': 'archive',
};

const settings = { storePath: path.join(os.tmpdir(), 'il-unit-never-made'), dockerHost: 'unix:///nonexistent.sock' };

describe('Backends by id', function () {
  it("the setting offers `auto` and every registered backend, no more", function () {
    assert.deepStrictEqual(manifest.contributes.configuration.properties['imageLayers.backend'].enum, ['auto', ...backendFactories().map((f) => f.id)]);
  });

  it('opens a registered backend by its id, and a new one once registered, with no other file changed', async function () {
    const store = (await openBackend({ backend: 'builtin', ...settings })).backend;
    assert.strictEqual(store.kind, 'builtin');
    const engine = (await openBackend({ backend: 'docker', ...settings })).backend;
    assert.strictEqual(engine.kind, 'docker');
    engine.dispose();

    const unregister = registerBackend({ id: 'other', label: 'Other', description: 'a backend of a test', auto: 'probe', open: () => store });
    try {
      assert.strictEqual((await openBackend({ backend: 'other', ...settings })).backend, store);
      assert.ok(backendFactories().some((f) => f.id === 'other'));
      assert.throws(() => registerBackend({ id: 'other', label: '', description: '', auto: 'probe', open: () => store }), /registered already/);
    } finally {
      unregister();
    }
    assert.ok(!backendFactories().some((f) => f.id === 'other'));
  });

  it('`auto` falls back to the store, with the engine\'s reason, when no engine answers', async function () {
    const opened = await openBackend({ backend: 'auto', ...settings });
    assert.strictEqual(opened.backend.kind, 'builtin');
    assert.ok(opened.fallbackReason && !/\n\s+at /.test(opened.fallbackReason), opened.fallbackReason);
  });
});

describe('Backends by capability', function () {
  async function open(id: string): Promise<ImageBackend> {
    return (await openBackend({ backend: id, ...settings })).backend;
  }

  it('the store keeps images: no run; an engine runs and keeps no records of its own to check', async function () {
    const declared = async (id: string) => {
      const b = await open(id);
      b.dispose();
      return CAPABILITY_NAMES.filter((n) => b.capabilities[n] !== undefined);
    };
    assert.deepStrictEqual(await declared('builtin'), ['manage', 'transfer', 'check', 'archive']);
    assert.deepStrictEqual(await declared('docker'), ['manage', 'transfer', 'run', 'archive']);
  });

  it('a capability asked of a backend without it is refused in a sentence that names the backend', async function () {
    const store = await open('builtin');
    assert.throws(
      () => requireCapability(store, 'run'),
      (e: unknown) => BackendError.is(e, 'unsupported') && e.message === 'Built-in store cannot run containers.',
    );
    assert.strictEqual(requireCapability(store, 'manage'), store.capabilities.manage);
  });

  it('archive formats: the store saves docker and oci, an engine docker only', async function () {
    assert.deepStrictEqual(requireCapability(await open('builtin'), 'archive').saves, ['docker', 'oci']);
    const engine = await open('docker');
    assert.deepStrictEqual(requireCapability(engine, 'archive').saves, ['docker']);
    engine.dispose();
  });

  it('every menu entry of a command that needs a capability is keyed on it, Run Image… included', function () {
    for (const [command, needs] of Object.entries(NEEDS)) {
      const entries = menus.filter((m) => m.command === command && m.where !== 'commandPalette');
      assert.ok(entries.length > 0, `${command} is in a menu`);
      for (const m of entries) assert.match(m.when ?? '', new RegExp(`(^| )imageLayers\\.can\\.${needs}( |$)`), `${command} in ${m.where}`);
    }
    const palette = menus.find((m) => m.where === 'commandPalette' && m.command === 'imageLayers.runImage');
    assert.strictEqual(palette?.when, 'imageLayers.can.run', 'Run Image… leaves the palette where it cannot work');
  });

  it('menus ask what the backend can do, never which backend it is', function () {
    for (const m of menus) {
      assert.ok(!/imageLayers\.backend\b/.test(m.when ?? ''), `${m.command} in ${m.where}: ${m.when}`);
      for (const key of (m.when ?? '').match(/imageLayers\.can\.\w+/g) ?? []) {
        assert.ok(CAPABILITY_NAMES.includes(key.slice('imageLayers.can.'.length) as CapabilityName), `${key} names a capability`);
      }
    }
  });
});
