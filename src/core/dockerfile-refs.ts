// Finds the image references in a Dockerfile (FROM, COPY --from=, RUN --mount=…,from=) with their ranges,
// resolving ARG defaults declared before the first FROM and telling build-stage names apart from images.
import { DockerfileParser, type Arg, type Copy, type From, type Run } from 'dockerfile-ast';

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export interface DockerfileImageRef {
  instruction: 'FROM' | 'COPY' | 'RUN';
  /** The text as written, e.g. `${BASE}:${TAG}`. */
  raw: string;
  /** After substituting ARG defaults; equal to raw when there is nothing to substitute. */
  resolved: string;
  /** Variables with no default, left unresolved (the reference cannot be known statically). */
  unresolved: string[];
  range: Range;
  platform?: string;
  /** When the name refers to an earlier build stage: that stage's name and the line of its FROM. */
  stage?: { name: string; line: number };
  /** FROM scratch: the empty image, nothing to look up. */
  scratch: boolean;
}

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** `$NAME`, `${NAME}` and `${NAME:-default}` replaced from `args`; the names it could not replace. */
export function substitute(text: string, args: ReadonlyMap<string, string | undefined>): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(VARIABLE, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const known = args.get(name);
    if (known !== undefined) return known;
    // ${NAME:-default} falls back to its default when NAME has none.
    const fallback = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}$/.exec(whole);
    if (fallback) return fallback[1];
    unresolved.push(name);
    return '';
  });
  return { value, unresolved };
}

/** The ARGs' names and defaults (undefined where an ARG has none). */
export function argDefaults(args: Arg[]): Map<string, string | undefined> {
  const map = new Map<string, string | undefined>();
  for (const arg of args) {
    const property = arg.getProperty();
    if (!property) continue;
    const name = property.getName();
    const value = property.getValue();
    map.set(name, value === null ? undefined : unquote(value));
  }
  return map;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
    return value.slice(1, -1);
  }
  return value;
}

/** Every image reference in the Dockerfile, in document order. */
export function dockerfileImageRefs(content: string): DockerfileImageRef[] {
  const dockerfile = DockerfileParser.parse(content);
  const args = argDefaults(dockerfile.getInitialARGs());
  const refs: DockerfileImageRef[] = [];
  const stages = new Map<string, number>();

  const lookup = (raw: string, range: Range, instruction: DockerfileImageRef['instruction'], platform?: string) => {
    const { value, unresolved } = substitute(raw, args);
    const stageLine = stages.get(value.toLowerCase());
    const ref: DockerfileImageRef = {
      instruction,
      raw,
      resolved: value,
      unresolved,
      range,
      scratch: instruction === 'FROM' && value.toLowerCase() === 'scratch',
    };
    if (platform) ref.platform = substitute(platform, args).value;
    if (stageLine !== undefined) ref.stage = { name: value, line: stageLine };
    refs.push(ref);
  };

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = instruction as From;
      const range = from.getImageRange();
      const image = from.getImage();
      if (range && image) {
        lookup(image, range, 'FROM', from.getPlatformFlag()?.getValue() ?? undefined);
      }
      const stage = from.getBuildStage();
      if (stage) stages.set(stage.toLowerCase(), from.getRange().start.line);
    } else if (keyword === 'COPY') {
      const flag = (instruction as Copy).getFromFlag();
      const value = flag?.getValue();
      const range = flag?.getValueRange();
      // A number names a stage by index; it is no image.
      if (value && range && !/^\d+$/.test(value)) lookup(value, range, 'COPY');
    } else if (keyword === 'RUN') {
      for (const flag of (instruction as Run).getFlags()) {
        if (flag.getName() !== 'mount') continue;
        const option = flag.getOption('from');
        const value = option?.getValue();
        const range = option?.getValueRange();
        if (value && range && !/^\d+$/.test(value)) lookup(value, range, 'RUN');
      }
    }
  }
  return refs;
}

/** The reference whose range holds the position, if any. */
export function refAt(refs: DockerfileImageRef[], position: Position): DockerfileImageRef | undefined {
  const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return refs.find((r) => before(r.range.start, position) && before(position, r.range.end));
}
