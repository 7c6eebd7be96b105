// The backends the conformance suite runs against: every kind a registered backend can turn out to be, opened
// through the registry (backend/backends.ts) as the extension opens it.
import * as path from 'path';
import type { ImageBackend } from '../../../src/backend/backend';
import { backendFactory, type BackendSettings } from '../../../src/backend/backends';
import { CAPABILITY_NAMES, type CapabilityName } from '../../../src/backend/capabilities';
import type { BackendKind } from '../../../src/core/model';
import { socketOf } from '../env';

export interface Subject {
  /** What the suite's titles call it. */
  name: string;
  /** What `kind` and `info().Kind` must say. */
  kind: BackendKind;
  /** The registered backend's id. */
  id: string;
  settings(dir: string): Promise<BackendSettings>;
  /** Why its answers are not compared field by field with dockerd's (differential.test.ts); absent: they are. */
  notComparedWithDockerd?: string;
}

export const SUBJECTS: Subject[] = [
  {
    name: 'the built-in store',
    kind: 'builtin',
    id: 'builtin',
    settings: async (dir) => ({ backend: 'builtin', storePath: path.join(dir, 'store') }),
  },
  {
    name: 'dockerd',
    kind: 'docker',
    id: 'docker',
    settings: async () => ({ backend: 'docker', storePath: '', dockerHost: `unix://${await socketOf('docker')}` }),
    notComparedWithDockerd: 'it is the reference',
  },
  {
    name: 'podman',
    kind: 'podman',
    id: 'docker',
    settings: async () => ({ backend: 'docker', storePath: '', dockerHost: `unix://${await socketOf('podman')}` }),
    notComparedWithDockerd: "Podman's answers differ from dockerd's where docs/engines.md lists (history sizes, SharedSize, /system/df)",
  },
];

export function openSubject(subject: Subject, settings: BackendSettings): ImageBackend {
  const factory = backendFactory(subject.id);
  if (!factory) throw new Error(`No backend is registered as "${subject.id}".`);
  return factory.open(settings);
}

/**
 * The capabilities the subject's backend declares, read from an instance that is never connected (opening one
 * touches neither a socket nor a folder): mocha needs the list of tests before any service is up.
 */
export function declaredCapabilities(subject: Subject): Set<CapabilityName> {
  const unconnected = openSubject(subject, { backend: subject.id, storePath: path.join('/nonexistent', 'store'), dockerHost: 'unix:///nonexistent.sock' });
  try {
    return new Set(CAPABILITY_NAMES.filter((name) => unconnected.capabilities[name] !== undefined));
  } finally {
    unconnected.dispose();
  }
}
