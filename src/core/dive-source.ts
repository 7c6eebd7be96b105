// Where dive 0.13.1 takes an image from (dive/get_image_resolver.go): a scheme in the argument
// (`docker-archive://app.tar`, `docker://app:1`), else its `--source` flag (docker, podman, docker-archive).

export type DiveSource =
  | { kind: 'archive'; path: string }
  | { kind: 'engine'; engine: 'docker' | 'podman'; image: string }
  /** Neither a scheme nor --source: this command's own rule (a path that exists is an archive, else an image). */
  | { kind: 'unsaid'; image: string };

const SOURCES: Record<string, 'docker' | 'podman' | 'docker-archive'> = {
  docker: 'docker',
  podman: 'podman',
  'docker-archive': 'docker-archive',
  'docker-tar': 'docker-archive',
};

/** The image argument and --source as dive reads them; throws a sentence for a --source dive does not know. */
export function diveSource(arg: string, sourceFlag?: string): DiveSource {
  const at = arg.indexOf('://');
  const scheme = at > 0 ? SOURCES[arg.slice(0, at)] : undefined;
  if (sourceFlag !== undefined && SOURCES[sourceFlag] === undefined) {
    throw new Error(`--source is docker, podman or docker-archive, not "${sourceFlag}".`);
  }
  // A scheme dive does not know leaves the whole argument as the name, as dive does.
  const source = scheme ?? (sourceFlag !== undefined ? SOURCES[sourceFlag] : undefined);
  const name = scheme ? arg.slice(at + 3) : arg;
  if (source === undefined) return { kind: 'unsaid', image: arg };
  if (source === 'docker-archive') return { kind: 'archive', path: name };
  return { kind: 'engine', engine: source, image: name };
}
