// `image-layers efficiency IMAGE|ARCHIVE`: dive's efficiency score, wasted bytes and wasted paths; `--ci` (or CI=true
// in the environment, as for dive) is dive's CI gate (its rules, report and exit code), `--json` dive's JSON report. A path that exists is read as an
// archive or OCI layout straight from the file, with no store and no engine; anything else names an image.
import { existsSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError, type ImageBackend } from '../backend/backend';
import { ImageCatalog, stepsOf } from '../backend/catalog';
import { engineSockets } from '../backend/docker/engine-discovery';
import { imageEfficiency } from '../backend/layer-contents';
import { readArchiveImage } from '../backend/store/archive-listing';
import { analysisText, ciModeOn, ciReportText, evaluateRules, RULE_KEYS, RuleError, type RuleValues } from '../core/dive-ci';
import { diveExport, diveLayerId, diveLayers, type DiveLayer } from '../core/dive-export';
import { diveSource } from '../core/dive-source';
import { efficiency, type EfficiencyReport } from '../core/efficiency';
import { UsageError, type OptionValues } from './command-line';
import { ciRules } from './dive-ci-config';

export interface ScoredImage {
  report: EfficiencyReport;
  layers: DiveLayer[];
}

/** An archive's first image, read without loading it. */
export async function scoreArchive(file: string): Promise<ScoredImage> {
  const image = await readArchiveImage(path.resolve(file));
  // dive reads the first image of an archive too; saying so keeps a multi-image archive from passing unseen.
  if (image.imageCount > 1) process.stderr.write(`${path.basename(file)} holds ${image.imageCount} images; this is the first, ${image.label}.\n`);
  const report = efficiency(image.layers.map((l) => l.entries));
  return { report, layers: diveLayers(image.config, image.layers.map((l) => diveLayerId(l.name)), report.layerSizes) };
}

/** An image of a backend: its layers read through the backend (a store's files, an engine's save). */
export async function scoreImage(backend: ImageBackend, ref: string): Promise<ScoredImage> {
  const details = await new ImageCatalog(backend).detailsOf(ref);
  const report = await imageEfficiency(backend, ref);
  // The incomplete numbers of a cut-off read would pass a gate they should not.
  if (report.truncated.length) throw new BackendError('corrupt', `${ref} could not be read whole: ${report.truncated.join('; ')}`);
  const diffIds = details.inspect.RootFS?.Layers ?? [];
  // The config's history as dive pairs it, rebuilt from the steps the views pair (empty_layer where no layer).
  // The steps' text is cleaned for the views; dive prints the row's own (newest first in /history).
  const rows = details.history;
  const history = stepsOf(details).map((s) => ({ created_by: rows[rows.length - 1 - s.index]?.CreatedBy ?? s.createdBy, empty_layer: s.diffId === undefined }));
  const ids = diffIds.map((d) => d.replace(/^sha256:/, ''));
  return { report, layers: diveLayers({ history, rootfs: { diff_ids: diffIds } }, ids, report.layerSizes) };
}

function ruleFlags(values: OptionValues): Partial<RuleValues> {
  const out: Partial<RuleValues> = {};
  for (const key of RULE_KEYS) if (typeof values[key] === 'string') out[key] = values[key] as string;
  return out;
}

/** The CI config file named on the command line: dive's `--ci-config`, or `--config`, this command's older name. */
function configFlag(values: OptionValues): { flag: string; file: string } | undefined {
  for (const flag of ['ci-config', 'config']) if (typeof values[flag] === 'string') return { flag, file: values[flag] as string };
  return undefined;
}

/**
 * Prints the analysis or the JSON; in CI mode (`--ci`, or CI=true in `env` without `--json`) the gate's report as
 * dive prints it. The exit code: 0, or 1 when the gate fails.
 */
export async function runEfficiency(scored: ScoredImage, values: OptionValues, json: boolean, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ci = ciModeOn(values.ci === true, env.CI, json);
  const flags = ruleFlags(values);
  const config = configFlag(values);
  if (!ci && (Object.keys(flags).length || config)) {
    throw new UsageError(`--${config?.flag ?? Object.keys(flags)[0]} sets a rule of the CI gate: add --ci.`);
  }
  const { report } = scored;
  if (json) process.stdout.write(JSON.stringify(diveExport(report, scored.layers), null, 2) + '\n');
  if (!ci) {
    if (!json) process.stdout.write(analysisText(report) + '\n');
    return 0;
  }
  const { rules, file } = await ciRules(config?.file, flags);
  let evaluation;
  try {
    evaluation = evaluateRules(rules, report);
  } catch (e) {
    if (e instanceof RuleError) throw new BackendError('invalid-input', e.message);
    throw e;
  }
  // With --json the report keeps stdout to itself; the gate's lines go to stderr.
  const out = json ? process.stderr : process.stdout;
  out.write((file ? `  Using CI config: ${file}\n` : '  Using default CI config\n') + ciReportText(report, evaluation));
  return evaluation.pass ? 0 : 1;
}

/** podman's API socket where `podman system service` puts it, rootless then root (engine-discovery.ts's list). */
function podmanSocket(): string | undefined {
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR || `/run/user/${os.userInfo().uid}` };
  return engineSockets(env).find((s) => s.owner.startsWith('Podman'))?.address;
}

async function scoreOnEngine(engine: 'docker' | 'podman', image: string, values: OptionValues): Promise<ScoredImage> {
  let host = typeof values.docker === 'string' ? values.docker || undefined : undefined;
  if (engine === 'podman' && host === undefined) {
    const socket = podmanSocket();
    if (!socket) throw new BackendError('unreachable', `podman://${image} needs podman's API socket, and none is running: start \`podman system service\` or name its socket with --docker unix://PATH.`);
    host = socket;
  }
  // Loaded only when asked for, as the command line does: dockerode is slow to require.
  const { DockerBackend } = await import('../backend/docker');
  const backend = new DockerBackend({ host });
  try {
    return await scoreImage(backend, image);
  } finally {
    backend.dispose();
  }
}

/**
 * The image read without the command line's backend, or undefined to read it from that backend: dive's
 * `docker-archive://`, `docker://` and `podman://` (or --source), else a path that exists, read as an archive.
 */
export function scoreWithoutBackend(arg: string, values: OptionValues): Promise<ScoredImage> | undefined {
  let source;
  try {
    source = diveSource(arg, typeof values.source === 'string' ? values.source : undefined);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (source.kind === 'archive') return scoreArchive(source.path);
  if (source.kind === 'engine') return scoreOnEngine(source.engine, source.image, values);
  return existsSync(arg) ? scoreArchive(arg) : undefined;
}
