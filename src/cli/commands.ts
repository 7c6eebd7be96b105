// The table of `image-layers` commands: each declares its options and arguments (read by command-line.ts, shown
// by `help`) and runs against a backend, printing as the docker CLI does, or the Engine API's shapes with --json.
import { requireCapability } from '../backend/capabilities';
import { existsSync } from 'fs';
import * as path from 'path';
import { BackendError, userMessage, type ImageBackend } from '../backend/backend';
import { BuiltinStore } from '../backend/store';
import { loadSamples } from '../backend/store/samples';
import { formatAge, formatBytes } from '../core/format';
import type { ProgressMessage } from '../core/model';
import { DEFAULT_TAG, familiarRepository, parseReference, shortId, splitName } from '../core/reference';
import { type CommandSpec, type OptionValues, UsageError } from './command-line';
import { runEfficiency, scoreImage, scoreWithoutBackend } from './efficiency-command';
import { ellipsis, fullName, printable, table } from './docker-format';
import { packagesReport, packagesTables } from './packages-output';
import { progressDisplay } from './progress-display';

export interface CommandRun {
  backend: ImageBackend;
  json: boolean;
  values: OptionValues;
  args: string[];
}

export interface CliCommand extends CommandSpec {
  /** It may make the store's folder; the others only read one that is there. */
  makesStore?: boolean;
  /** The exit code: 0 fine, 1 failed, 3 `check` found problems. */
  run(c: CommandRun): Promise<number>;
  /** Runs without a backend when the arguments say so (files to read); undefined when a backend is needed. */
  runLocal?(c: Omit<CommandRun, 'backend'>): Promise<number> | undefined;
}

export function print(value: unknown): void {
  process.stdout.write((typeof value === 'string' ? value : JSON.stringify(value, null, 2)) + '\n');
}

/** A RepoTags entry as the docker CLI's REPOSITORY and TAG columns. */
function repoAndTag(repoTag: string | undefined): [string, string] {
  if (repoTag === undefined || repoTag === '<none>:<none>') return ['<none>', '<none>'];
  const { repository, tag } = splitName(repoTag);
  return [repository, tag ?? '<none>'];
}

function transfer(name: 'pull' | 'push', summary: string): CliCommand {
  return {
    name,
    synopsis: 'IMAGE',
    summary,
    args: { min: 1, max: 1, missing: `${name} needs an image.` },
    makesStore: name === 'pull',
    async run({ backend, json, args: [ref] }) {
      // Both backends report the Engine API's stream: printed as it is with --json, else drawn as docker does.
      const show: (m: ProgressMessage) => void = json ? (m) => print(JSON.stringify(m)) : progressDisplay(process.stdout);
      const onProgress = (p: { engine?: ProgressMessage }) => p.engine && show(p.engine);
      const transfer = requireCapability(backend, 'transfer');
      if (name === 'pull') await transfer.pullImage(ref, { onProgress });
      else await transfer.pushImage(ref, { onProgress });
      if (name === 'pull' && !json) print(fullName(ref));
      return 0;
    },
  };
}

export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'load',
    synopsis: 'FILE|FOLDER',
    summary: 'load a docker save archive, .tar.gz or OCI image layout',
    args: { min: 1, max: 1, missing: 'load needs a file or folder.' },
    makesStore: true,
    async run({ backend, json, args: [file] }) {
      const onProgress = process.stderr.isTTY && !json ? (p: { message: string }) => process.stderr.write(`\r${p.message.slice(0, 70).padEnd(70)}`) : undefined;
      const result = await requireCapability(backend, 'archive').loadArchive(path.resolve(file), { onProgress });
      if (onProgress) process.stderr.write('\r'.padEnd(72) + '\r');
      // The Engine API's answer to POST /images/load, as `docker load` reads it: one JSON object a line.
      for (const l of result.loaded) {
        const line = l.startsWith('sha256:') ? `Loaded image ID: ${l}` : `Loaded image: ${l}`;
        print(json ? JSON.stringify({ stream: `${line}\n` }) : line);
      }
      return 0;
    },
  },
  {
    name: 'save',
    synopsis: '[--format docker|oci] -o FILE IMAGE...',
    summary: 'write a docker save archive (oci: Docker 25+ / OCI layout)',
    options: { output: { type: 'string', short: 'o' }, format: { type: 'string', default: 'docker' } },
    args: { min: 1, missing: 'save needs at least one image.' },
    async run({ backend, values, args: refs }) {
      const out = values.output;
      if (typeof out !== 'string' || !out) throw new UsageError('save needs -o FILE.');
      const format = values.format;
      if (format !== 'docker' && format !== 'oci') throw new UsageError('--format is docker or oci.');
      // Checked first, as the docker CLI does: the write would otherwise fail on a temporary file's name.
      const folder = path.dirname(path.resolve(out));
      if (!existsSync(folder)) throw new BackendError('invalid-input', `Cannot save to ${out}: the folder ${folder} does not exist.`);
      const archive = requireCapability(backend, 'archive');
      if (!archive.saves.includes(format)) throw new BackendError('unsupported', `--format ${format} does not work on ${backend.displayName}: it saves ${archive.saves.join(', ')} archives.`);
      await archive.saveImages(refs, path.resolve(out), { format });
      return 0;
    },
  },
  transfer('pull', "pull name[:tag|@digest] from its registry (plain HTTP for 127.0.0.1/localhost),\nlayer by layer as docker pull says it; --json: the Engine API's progress stream"),
  transfer('push', 'push name[:tag] to its registry, layer by layer as docker push says it'),
  {
    name: 'load-samples',
    synopsis: '',
    summary: 'load the sample images (sample/base, sample/app) into the store',
    args: { min: 0, max: 0 },
    makesStore: true,
    async run({ backend, json }) {
      if (!(backend instanceof BuiltinStore)) throw new BackendError('unsupported', 'load-samples works on the built-in store only.');
      const result = await loadSamples(backend);
      if (json) print(result);
      else for (const l of result.loaded) print(`Loaded image: ${l}`);
      return 0;
    },
  },
  {
    name: 'ls',
    aliases: ['images'],
    synopsis: '[-a]',
    summary: 'list images',
    options: { all: { type: 'boolean', short: 'a' } },
    args: { min: 0, max: 0 },
    async run({ backend, json, values }) {
      const images = await backend.listImages({ all: values.all === true });
      if (json) return print(images), 0;
      const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
      for (const img of images) {
        for (const n of img.RepoTags.length ? img.RepoTags : [undefined]) rows.push([...repoAndTag(n), shortId(img.Id), formatAge(img.Created), formatBytes(img.Size)]);
      }
      print(table(rows));
      return 0;
    },
  },
  {
    name: 'inspect',
    synopsis: 'IMAGE...',
    summary: 'show image details (JSON)',
    args: { min: 1, missing: 'inspect needs an image.' },
    async run({ backend, args }) {
      // As `docker inspect`: what was found is printed, then each failure, and the exit code says one failed.
      const found = [];
      const failures: string[] = [];
      for (const ref of args) {
        try {
          found.push(await backend.inspectImage(ref));
        } catch (e) {
          if (!BackendError.is(e, 'not-found')) throw e;
          failures.push(userMessage(e));
        }
      }
      print(found);
      for (const f of failures) process.stderr.write(`Error: ${f}\n`);
      return failures.length ? 1 : 0;
    },
  },
  {
    name: 'history',
    synopsis: '[--no-trunc] IMAGE',
    summary: 'show the build steps of an image',
    options: { 'no-trunc': { type: 'boolean' } },
    args: { min: 1, max: 1, missing: 'history needs an image.' },
    async run({ backend, json, values, args: [ref] }) {
      const rows = await backend.imageHistory(ref);
      if (json) return print(rows), 0;
      const full = values['no-trunc'] === true;
      const out = [['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']];
      for (const r of rows) {
        const by = printable(r.CreatedBy);
        // `<missing>` stays as it is; an ID is cut to 12 as `docker history` does.
        const id = full || !r.Id.startsWith('sha256:') ? r.Id : shortId(r.Id);
        out.push([id, formatAge(r.Created), full ? by : ellipsis(by, 45), formatBytes(r.Size), printable(r.Comment)]);
      }
      print(table(out));
      return 0;
    },
  },
  {
    name: 'packages',
    synopsis: 'IMAGE',
    summary: "show the packages each layer added, upgraded or removed,\nread from the image's own dpkg, apk and rpm databases",
    args: { min: 1, max: 1, missing: 'packages needs an image.' },
    async run({ backend, json, args: [ref] }) {
      const report = await packagesReport(backend, ref);
      if (json) return print(report), 0;
      print(packagesTables(report));
      // What could not be read is said once, after the tables, as a warning: what was read is still shown.
      for (const l of report.layers) for (const p of l.problems) process.stderr.write(`Warning: layer ${l.layer}: ${printable(p)}\n`);
      for (const t of report.truncated) process.stderr.write(`Warning: ${printable(t)}\n`);
      return 0;
    },
  },
  {
    name: 'df',
    synopsis: '',
    summary: 'show disk usage (docker system df -v)',
    args: { min: 0, max: 0 },
    async run({ backend, json }) {
      const df = await backend.diskUsage();
      if (json) return print(df), 0;
      // `docker system df -v`: one row per image under its first tag, sizes in HumanSize's four digits.
      const size = (n: number) => formatBytes(n, 4);
      const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
      for (const img of df.Images) {
        const shared = img.SharedSize < 0 ? 'N/A' : size(img.SharedSize);
        const unique = img.SharedSize < 0 ? 'N/A' : size(img.Size - img.SharedSize);
        rows.push([...repoAndTag(img.RepoTags[0]), shortId(img.Id), formatAge(img.Created), size(img.Size), shared, unique, String(Math.max(0, img.Containers))]);
      }
      print(`Images space usage:\n\n${table(rows)}\n\nLayers size: ${size(df.LayersSize)}`);
      if (df.Parts?.length) print('\n' + table([['PART', 'ON DISK', 'PATH'], ...df.Parts.map((p) => [p.name, formatBytes(p.bytes), p.path])]));
      return 0;
    },
  },
  {
    name: 'info',
    synopsis: '',
    summary: 'show the store or engine',
    args: { min: 0, max: 0 },
    async run({ backend, json }) {
      const info = await backend.info();
      if (json) return print(info), 0;
      print(Object.entries(info).map(([k, v]) => ` ${k}: ${v}`).join('\n'));
      return 0;
    },
  },
  {
    name: 'tag',
    synopsis: 'SOURCE TARGET',
    summary: 'name an image',
    args: { min: 2, max: 2, missing: 'tag needs SOURCE and TARGET.' },
    async run({ backend, args: [source, target] }) {
      const ref = parseReference(target);
      if (!ref || ref.digest) throw new BackendError('invalid-input', `"${target}" is not a valid repository:tag name.`);
      await requireCapability(backend, 'manage').tagImage(source, familiarRepository(ref), ref.tag ?? DEFAULT_TAG);
      return 0;
    },
  },
  {
    name: 'rm',
    aliases: ['rmi'],
    synopsis: '[-f] [--no-prune] IMAGE...',
    summary: 'remove images',
    options: { force: { type: 'boolean', short: 'f' }, 'no-prune': { type: 'boolean' } },
    args: { min: 1, missing: 'rm needs an image.' },
    async run({ backend, json, values, args }) {
      let failed = 0;
      for (const ref of args) {
        try {
          const rows = await requireCapability(backend, 'manage').removeImage(ref, { force: values.force === true, noPrune: values['no-prune'] === true });
          if (json) print(rows);
          else for (const r of rows) print('Untagged' in r ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
        } catch (e) {
          if (!BackendError.is(e)) throw e;
          process.stderr.write(`Error: ${userMessage(e)}\n`);
          failed++;
        }
      }
      return failed ? 1 : 0;
    },
  },
  {
    name: 'prune',
    synopsis: '[-a]',
    summary: 'remove dangling (or, with -a, all unused) images',
    // -f as docker's: there is no prompt to skip, so it is accepted and changes nothing.
    options: { all: { type: 'boolean', short: 'a' }, force: { type: 'boolean', short: 'f' } },
    args: { min: 0, max: 0 },
    async run({ backend, json, values }) {
      const report = await requireCapability(backend, 'manage').pruneImages({ danglingOnly: values.all !== true });
      if (json) return print(report), 0;
      if (report.ImagesDeleted.length) {
        print('Deleted Images:');
        for (const r of report.ImagesDeleted) print('Untagged' in r ? `untagged: ${r.Untagged}` : `deleted: ${r.Deleted}`);
        print('');
      }
      print(`Total reclaimed space: ${formatBytes(report.SpaceReclaimed)}`);
      return 0;
    },
  },
  {
    name: 'efficiency',
    synopsis: '[--ci [--ci-config FILE] [--RULE VALUE]...] [--source SOURCE] IMAGE|ARCHIVE',
    summary:
      "dive's efficiency score, wasted bytes and wasted paths of an image, or read\n" +
      'straight from a docker save archive, .tar.gz or OCI layout folder; as for dive,\n' +
      'docker-archive://FILE, docker://IMAGE, podman://IMAGE or --source; --ci (or\n' +
      "CI=true in the environment): dive's CI gate, rules from .dive-ci (--ci-config)\n" +
      'and --lowestEfficiency, --highestWastedBytes, --highestUserWastedPercent, exit 1\n' +
      "when one fails; --json: dive's JSON report",
    options: {
      ci: { type: 'boolean' },
      'ci-config': { type: 'string' },
      source: { type: 'string' },
      config: { type: 'string' },
      lowestEfficiency: { type: 'string' },
      highestWastedBytes: { type: 'string' },
      highestUserWastedPercent: { type: 'string' },
    },
    args: { min: 1, max: 1, missing: 'efficiency needs an image, archive or OCI layout folder.' },
    async run({ backend, json, values, args: [ref] }) {
      return runEfficiency(await scoreImage(backend, ref), values, json);
    },
    runLocal({ json, values, args: [arg] }) {
      return scoreWithoutBackend(arg, values)?.then((scored) => runEfficiency(scored, values, json));
    },
  },
  {
    name: 'check',
    synopsis: '[--data] [--repair]',
    summary: 'verify the store; --data hashes every layer',
    options: { data: { type: 'boolean' }, repair: { type: 'boolean' } },
    args: { min: 0, max: 0 },
    async run({ backend, json, values }) {
      const report = await requireCapability(backend, 'check').check({ verifyData: values.data === true, repair: values.repair === true });
      if (json) print(report);
      else {
        for (const r of report.recovered) print(`recovered: ${r}`);
        for (const r of report.removed) print(`removed: ${r}`);
        for (const r of report.repaired) print(`repaired: ${r}`);
        for (const p of report.problems) print(`${p.kind}: ${p.message} (${p.path})`);
        print(`${report.images} images, ${report.layers} layers, ${report.problems.length ? `${report.problems.length} problem(s)` : 'no problems'}.`);
      }
      return report.problems.length ? 3 : 0;
    },
  },
];
