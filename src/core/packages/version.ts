// Which of two package versions is newer, by dpkg's rule (epoch, then runs of non-digits and digits, `~` before
// everything). rpm's rpmvercmp and apk's order agree with it on the versions real distributions publish; a
// change between two versions it cannot order is still shown, as an upgrade or a downgrade by this rule.

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareRuns(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let diff = 0;
    while ((i < a.length && !/\d/.test(a[i])) || (j < b.length && !/\d/.test(b[j]))) {
      const ac = i < a.length && !/\d/.test(a[i]) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j]) ? b[j] : undefined;
      const d = order(ac) - order(bc);
      if (d) return d;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /\d/.test(a[i]) && j < b.length && /\d/.test(b[j])) {
      if (!diff) diff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i])) return 1;
    if (j < b.length && /\d/.test(b[j])) return -1;
    if (diff) return diff;
  }
  return 0;
}

function epochOf(v: string): [number, string] {
  const m = /^(\d+):(.*)$/.exec(v);
  return m ? [Number(m[1]), m[2]] : [0, v];
}

/** Negative when `a` is older than `b`, positive when newer, 0 when the same. */
export function compareVersions(a: string, b: string): number {
  const [ea, ra] = epochOf(a);
  const [eb, rb] = epochOf(b);
  if (ea !== eb) return ea - eb;
  return Math.sign(compareRuns(ra, rb));
}
