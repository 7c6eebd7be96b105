// `image-layers`: the built-in store (or an engine) from a terminal, with docker-like tables, or the Engine API
// shapes with --json. Exit codes: 0 fine, 1 failed, 2 bad usage, 3 `check` found problems.
import { existsSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError, userMessage, type ImageBackend } from './backend/backend';
import { BuiltinStore } from './backend/store';
import { loadSamples } from './backend/store/samples';
import { formatAge, formatBytes } from './core/format';
import type { ProgressMessage } from './core/model';
import { familiarString, fullRepository, parseReference } from './core/reference';
import { progressDisplay } from './cli/progress-display';

const USAGE = `Usage: image-layers [--store DIR | --docker [HOST]] [--json] COMMAND [ARGS]

Commands:
  load FILE|FOLDER        load a docker save archive, .tar.gz or OCI image layout
  save [--format docker|oci] -o FILE IMAGE...  write a docker save archive (oci: Docker 25+ / OCI layout)
  pull IMAGE              pull name[:tag|@digest] from its registry (plain HTTP for 127.0.0.1/localhost),
                          layer by layer as docker pull says it; --json: the Engine API's progress stream
  push IMAGE              push name[:tag] to its registry, layer by layer as docker push says it
  load-samples            load the sample images (sample/base, sample/app) into the store
  ls [-a]                 list images
  inspect IMAGE...        show image details (JSON)
  history [--no-trunc] IMAGE  show the build steps of an image
  df                      show disk usage (docker system df -v)
  info                    show the store or engine
  tag SOURCE TARGET       name an image
  rm [-f] [--no-prune] IMAGE...  remove images
  prune [-a]              remove dangling (or, with -a, all unused) images
  check [--data] [--repair]  verify the store; --data hashes every layer

The store defaults to $IMAGE_LAYERS_STORE or ~/.image-layers/store.`;

class UsageError extends Error {}

interface Options {
  store: string;
  docker?: string;
  json: boolean;
  args: string[];
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    store: process.env.IMAGE_LAYERS_STORE || path.join(os.homedir(), '.image-layers', 'store'),
    json: false,
    args: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--store') {
      const v = argv[++i];
      if (!v) throw new UsageError('--store needs a folder.');
      opts.store = v;
    } else if (a.startsWith('--store=')) opts.store = a.slice(8);
    else if (a === '--docker') {
      const next = argv[i + 1];
      opts.docker = next && /^(unix|tcp|ssh|npipe|https?):\/\//.test(next) ? (i++, next) : '';
    } else if (a.startsWith('--docker=')) opts.docker = a.slice(9);
    else if (a === '--json') opts.json = true;
    else opts.args.push(a);
  }
  return opts;
}

/** Commands that may make the store's folder; the others only read one that is there. */
const MAKES_STORE = new Set(['load', 'pull', 'load-samples']);
const READS_STORE = new Set(['save', 'push', 'ls', 'images', 'inspect', 'history', 'df', 'info', 'tag', 'rm', 'rmi', 'prune', 'check']);

async function openBackend(opts: Options, command: string): Promise<ImageBackend> {
  if (opts.docker === undefined) {
    // An empty table would say "no images" of a folder that was never a store: a mistyped --store, most likely.
    if (!MAKES_STORE.has(command) && !existsSync(opts.store)) {
      throw new BackendError('not-found', `There is no image store at ${opts.store}: the folder does not exist. Load or pull an image to make one there.`);
    }
    return new BuiltinStore(opts.store);
  }
  // Loaded only when asked for: dockerode is slow to require and the store does not need it.
  const { DockerBackend } = await import('./backend/docker');
  return new DockerBackend({ host: opts.docker || undefined });
}

/** The docker CLI's tabwriter: columns 3 apart, 10 wide at least. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(Math.max(widths[c] + 3, 10)))).join('').trimEnd()).join('\n');
}

const short = (id: string) => (id.startsWith('sha256:') ? id.slice(7, 19) : id);

function splitTag(repoTag: string): [string, string] {
  const at = repoTag.lastIndexOf(':');
  const slash = repoTag.lastIndexOf('/');
  return at > slash ? [repoTag.slice(0, at), repoTag.slice(at + 1)] : [repoTag, '<none>'];
}

function flags(args: string[], known: string[]): { set: Set<string>; rest: string[] } {
  const set = new Set<string>();
  const rest: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a !== '-') {
      if (!known.includes(a)) throw new UsageError(`Unknown option ${a}.`);
      set.add(a);
    } else rest.push(a);
  }
  return { set, rest };
}

/**
 * CREATED BY and COMMENT as written, tabs as spaces (as the docker CLI prints them), and any other control
 * character shown as an escape: a newline would break the table, and an image's text must not steer the terminal.
 */
function printable(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** The docker CLI's Ellipsis: at most `width` characters, the last one `…` when cut. */
function ellipsis(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, width - 1).join('') + '…';
}

/** The name `docker pull` prints last: the full repository with its tag or digest. */
function fullName(input: string): string {
  const ref = parseReference(input);
  if (!ref) return input;
  return ref.digest ? `${fullRepository(ref)}@${ref.digest}` : `${fullRepository(ref)}:${ref.tag ?? 'latest'}`;
}

function print(value: unknown): void {
  process.stdout.write((typeof value === 'string' ? value : JSON.stringify(value, null, 2)) + '\n');
}

async function run(opts: Options): Promise<number> {
  const [command, ...args] = opts.args;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    print(USAGE);
    return command ? 0 : 2;
  }
  if (!MAKES_STORE.has(command) && !READS_STORE.has(command)) throw new UsageError(`Unknown command "${command}".`);
  const backend = await openBackend(opts, command);
  try {
    switch (command) {
      case 'load': {
        const [file] = flags(args, []).rest;
        if (!file) throw new UsageError('load needs a file or folder.');
        const onProgress = process.stderr.isTTY && !opts.json ? (p: { message: string }) => process.stderr.write(`\r${p.message.slice(0, 70).padEnd(70)}`) : undefined;
        const result = await backend.loadArchive(path.resolve(file), { onProgress });
        if (onProgress) process.stderr.write('\r'.padEnd(72) + '\r');
        // The Engine API's answer to POST /images/load, as `docker load` reads it: one JSON object a line.
        for (const l of result.loaded) {
          const line = l.startsWith('sha256:') ? `Loaded image ID: ${l}` : `Loaded image: ${l}`;
          print(opts.json ? JSON.stringify({ stream: `${line}\n` }) : line);
        }
        return 0;
      }
      case 'save': {
        const i = args.findIndex((a) => a === '-o' || a === '--output');
        if (i < 0 || !args[i + 1]) throw new UsageError('save needs -o FILE.');
        const out = args[i + 1];
        const f = args.findIndex((a) => a === '--format');
        const format = f >= 0 ? args[f + 1] : 'docker';
        if (format !== 'docker' && format !== 'oci') throw new UsageError('--format is docker or oci.');
        const refs = args.filter((_, n) => n !== i && n !== i + 1 && n !== f && (f < 0 || n !== f + 1));
        if (!refs.length) throw new UsageError('save needs at least one image.');
        // Checked first, as the docker CLI does: the write would otherwise fail on a temporary file's name.
        const folder = path.dirname(path.resolve(out));
        if (!existsSync(folder)) throw new BackendError('invalid-input', `Cannot save to ${out}: the folder ${folder} does not exist.`);
        if (format === 'oci' && !(backend instanceof BuiltinStore)) throw new BackendError('unsupported', '--format oci works on the built-in store only.');
        if (backend instanceof BuiltinStore) await backend.saveImages(refs, path.resolve(out), { format });
        else await backend.saveImages(refs, path.resolve(out));
        return 0;
      }
      case 'pull':
      case 'push': {
        const [ref] = flags(args, []).rest;
        if (!ref) throw new UsageError(`${command} needs an image.`);
        // Both backends report the Engine API's stream: printed as it is with --json, else drawn as docker does.
        const show: (m: ProgressMessage) => void = opts.json ? (m) => print(JSON.stringify(m)) : progressDisplay(process.stdout);
        const onProgress = (p: { engine?: ProgressMessage }) => p.engine && show(p.engine);
        if (command === 'pull') await backend.pullImage(ref, { onProgress });
        else await backend.pushImage(ref, { onProgress });
        if (command === 'pull' && !opts.json) print(fullName(ref));
        return 0;
      }
      case 'load-samples': {
        if (!(backend instanceof BuiltinStore)) throw new BackendError('unsupported', 'load-samples works on the built-in store only.');
        const result = await loadSamples(backend);
        if (opts.json) print(result);
        else for (const l of result.loaded) print(`Loaded image: ${l}`);
        return 0;
      }
      case 'ls':
      case 'images': {
        const { set } = flags(args, ['-a', '--all']);
        const images = await backend.listImages({ all: set.size > 0 });
        if (opts.json) return print(images), 0;
        const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
        for (const img of images) {
          const names = img.RepoTags.length ? img.RepoTags : ['<none>:<none>'];
          for (const n of names) {
            const [repo, tag] = n === '<none>:<none>' ? ['<none>', '<none>'] : splitTag(n);
            rows.push([repo, tag, short(img.Id), formatAge(img.Created), formatBytes(img.Size)]);
          }
        }
        print(table(rows));
        return 0;
      }
      case 'inspect': {
        if (!args.length) throw new UsageError('inspect needs an image.');
        // As `docker inspect`: what was found is printed, then each failure, and the exit code says one failed.
        const found = [];
        const failures: string[] = [];
        for (const ref of args) {
          try {
            found.push(await backend.inspectImage(ref));
          } catch (e) {
            if (!BackendError.is(e, 'not-found')) throw e;
            failures.push(e.message);
          }
        }
        print(found);
        for (const f of failures) process.stderr.write(`Error: ${f}\n`);
        return failures.length ? 1 : 0;
      }
      case 'history': {
        const { set, rest } = flags(args, ['--no-trunc']);
        const [ref] = rest;
        if (!ref) throw new UsageError('history needs an image.');
        const rows = await backend.imageHistory(ref);
        if (opts.json) return print(rows), 0;
        const full = set.has('--no-trunc');
        const table_ = [['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']];
        for (const r of rows) {
          const by = printable(r.CreatedBy);
          table_.push([full ? r.Id : short(r.Id), formatAge(r.Created), full ? by : ellipsis(by, 45), formatBytes(r.Size), printable(r.Comment)]);
        }
        print(table(table_));
        return 0;
      }
      case 'df': {
        const df = await backend.diskUsage();
        if (opts.json) return print(df), 0;
        // `docker system df -v`: one row per image under its first tag, sizes in HumanSize's four digits.
        const size = (n: number) => formatBytes(n, 4);
        const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
        for (const img of df.Images) {
          const [repo, tag] = img.RepoTags.length ? splitTag(img.RepoTags[0]) : ['<none>', '<none>'];
          const shared = img.SharedSize < 0 ? 'N/A' : size(img.SharedSize);
          const unique = img.SharedSize < 0 ? 'N/A' : size(img.Size - img.SharedSize);
          rows.push([repo, tag, short(img.Id), formatAge(img.Created), size(img.Size), shared, unique, String(Math.max(0, img.Containers))]);
        }
        print(`Images space usage:\n\n${table(rows)}\n\nLayers size: ${size(df.LayersSize)}`);
        if (df.Parts?.length) print('\n' + table([['PART', 'ON DISK', 'PATH'], ...df.Parts.map((p) => [p.name, formatBytes(p.bytes), p.path])]));
        return 0;
      }
      case 'info': {
        const info = await backend.info();
        if (opts.json) return print(info), 0;
        print(Object.entries(info).map(([k, v]) => ` ${k}: ${v}`).join('\n'));
        return 0;
      }
      case 'tag': {
        const [source, target] = args;
        if (!source || !target) throw new UsageError('tag needs SOURCE and TARGET.');
        const ref = parseReference(target);
        if (!ref || ref.digest) throw new BackendError('invalid-input', `"${target}" is not a valid repository:tag name.`);
        const name = familiarString(ref, true);
        const [repo, tag] = splitTag(name);
        await backend.tagImage(source, repo, tag);
        return 0;
      }
      case 'rm':
      case 'rmi': {
        const { set, rest } = flags(args, ['-f', '--force', '--no-prune']);
        if (!rest.length) throw new UsageError('rm needs an image.');
        let failed = 0;
        for (const ref of rest) {
          try {
            const rows = await backend.removeImage(ref, { force: set.has('-f') || set.has('--force'), noPrune: set.has('--no-prune') });
            if (opts.json) print(rows);
            else for (const r of rows) print('Untagged' in r ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
          } catch (e) {
            if (!BackendError.is(e)) throw e;
            process.stderr.write(`Error: ${e.message}\n`);
            failed++;
          }
        }
        return failed ? 1 : 0;
      }
      case 'prune': {
        const { set } = flags(args, ['-a', '--all', '-f', '--force']);
        const report = await backend.pruneImages({ danglingOnly: !(set.has('-a') || set.has('--all')) });
        if (opts.json) return print(report), 0;
        if (report.ImagesDeleted.length) {
          print('Deleted Images:');
          for (const r of report.ImagesDeleted) print('Untagged' in r ? `untagged: ${r.Untagged}` : `deleted: ${r.Deleted}`);
          print('');
        }
        print(`Total reclaimed space: ${formatBytes(report.SpaceReclaimed)}`);
        return 0;
      }
      case 'check': {
        if (!(backend instanceof BuiltinStore)) throw new BackendError('unsupported', 'check works on the built-in store only.');
        const { set } = flags(args, ['--data', '--repair']);
        const report = await backend.check({ verifyData: set.has('--data'), repair: set.has('--repair') });
        if (opts.json) print(report);
        else {
          for (const r of report.recovered) print(`recovered: ${r}`);
          for (const r of report.removed) print(`removed: ${r}`);
          for (const r of report.repaired) print(`repaired: ${r}`);
          for (const p of report.problems) print(`${p.kind}: ${p.message} (${p.path})`);
          print(`${report.images} images, ${report.layers} layers, ${report.problems.length ? `${report.problems.length} problem(s)` : 'no problems'}.`);
        }
        return report.problems.length ? 3 : 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } finally {
    backend.dispose();
  }
}

async function main(): Promise<void> {
  // A reader that stops early (`| head`) ends the output, as it does the docker CLI's: not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  let code: number;
  try {
    code = await run(parseArgs(process.argv.slice(2)));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${USAGE}\n`);
      code = 2;
    } else if (BackendError.is(e)) {
      process.stderr.write(`Error: ${e.message}\n`);
      code = 1;
    } else {
      process.stderr.write(`Error: ${userMessage(e)}\n`);
      code = 1;
    }
  }
  process.exitCode = code;
}

void main();
