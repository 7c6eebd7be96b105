// The image config JSON (what the image ID is the hash of), parsed defensively: it comes from archives and
// registries, that is from strangers.
import { BackendError } from '../backend';
import { isDigest } from '../../core/digest';
import type { ConfigHistoryEntry } from '../../core/history';
import type { ContainerConfig } from '../../core/model';

export interface ImageConfigJson {
  architecture?: string;
  variant?: string;
  os?: string;
  'os.version'?: string;
  created?: string;
  author?: string;
  comment?: string;
  docker_version?: string;
  parent?: string;
  config?: ContainerConfig | null;
  history?: ConfigHistoryEntry[];
  rootfs: { type: string; diff_ids: string[] };
}

export const MAX_JSON_BYTES = 32 * 1024 * 1024;

/** Parses and checks config bytes; `what` names the source in the error sentence. */
export function parseImageConfig(bytes: Buffer, what: string): ImageConfigJson {
  if (bytes.length > MAX_JSON_BYTES) {
    throw new BackendError('invalid-input', `${what} is ${bytes.length} bytes, more than an image config may be.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new BackendError('invalid-input', `${what} is not valid JSON.`, String(e));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new BackendError('invalid-input', `${what} is not a JSON object.`);
  }
  const c = value as Record<string, unknown>;
  const rootfs = c.rootfs as Record<string, unknown> | undefined;
  if (!rootfs || typeof rootfs !== 'object' || !Array.isArray(rootfs.diff_ids)) {
    throw new BackendError('invalid-input', `${what} has no rootfs.diff_ids list of layers.`);
  }
  for (const d of rootfs.diff_ids) {
    if (!isDigest(d)) throw new BackendError('invalid-input', `${what} lists a layer diff ID that is not a sha256 digest: ${String(d).slice(0, 80)}`);
  }
  if (c.history !== undefined && c.history !== null && !Array.isArray(c.history)) {
    throw new BackendError('invalid-input', `${what} has a history that is not a list.`);
  }
  if (Array.isArray(c.history)) {
    const nonEmpty = c.history.filter((h) => !(h && typeof h === 'object' && (h as ConfigHistoryEntry).empty_layer)).length;
    if (c.history.length > 0 && nonEmpty > rootfs.diff_ids.length) {
      throw new BackendError('invalid-input', `${what} has ${nonEmpty} history steps with layers but only ${rootfs.diff_ids.length} layers.`);
    }
  }
  if (c.config !== undefined && c.config !== null && (typeof c.config !== 'object' || Array.isArray(c.config))) {
    throw new BackendError('invalid-input', `${what} has a "config" that is not an object.`);
  }
  const os = typeof c.os === 'string' ? c.os : '';
  if (os && os !== 'linux') {
    throw new BackendError('invalid-input', `${what} is a ${os} image; the built-in store keeps linux images only.`);
  }
  return value as ImageConfigJson;
}

/**
 * The runnable config as the engine's API shows it: Go marshals every field that has no `omitempty`, so
 * absent strings become "" and absent lists/maps null. Field order follows the engine's struct.
 */
export function normaliseContainerConfig(config: ContainerConfig | null | undefined): ContainerConfig {
  const c = (config ?? {}) as ContainerConfig & Record<string, unknown>;
  const out: Record<string, unknown> = {
    Hostname: c.Hostname ?? '',
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
  };
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) out.ExposedPorts = c.ExposedPorts;
  Object.assign(out, { Tty: c.Tty ?? false, OpenStdin: c.OpenStdin ?? false, StdinOnce: c.StdinOnce ?? false });
  out.Env = c.Env ?? null;
  out.Cmd = c.Cmd ?? null;
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.ArgsEscaped) out.ArgsEscaped = c.ArgsEscaped;
  out.Image = c.Image ?? '';
  out.Volumes = c.Volumes ?? null;
  out.WorkingDir = c.WorkingDir ?? '';
  out.Entrypoint = c.Entrypoint ?? null;
  if (c.NetworkDisabled) out.NetworkDisabled = c.NetworkDisabled;
  if (c.MacAddress) out.MacAddress = c.MacAddress;
  out.OnBuild = c.OnBuild ?? null;
  out.Labels = c.Labels ?? null;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.StopTimeout !== undefined) out.StopTimeout = c.StopTimeout;
  if (c.Shell && c.Shell.length) out.Shell = c.Shell;
  return out as ContainerConfig;
}
