// Sizes and times as Docker's CLI prints them (decimal units, "3 days ago").

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/**
 * go-units' HumanSizeWithPrecision, as the docker CLI prints sizes: decimal units, Go's `%.*g`. `docker images`
 * and `docker history` use 3 significant digits (`7052800` → `7.05MB`), `docker system df` HumanSize's 4 (`7.053MB`).
 */
export function formatBytes(bytes: number, precision = 3): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${goG(value, precision)}${UNITS[unit]}`;
}

/** Go's `%.<p>g`: toPrecision without trailing zeros, and an exponent of two digits at least (`1e+03`). */
function goG(value: number, precision: number): string {
  const [mantissa, exponent] = value.toPrecision(precision).split('e');
  const digits = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  if (exponent === undefined) return digits;
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${digits}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** "2 hours ago", "3 weeks ago": Docker's HumanDuration, as in the CREATED column of `docker images`. */
export function formatAge(unixSeconds: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor(now / 1000 - unixSeconds));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(seconds / 3600);
  let text: string;
  if (seconds < 1) text = 'Less than a second';
  else if (seconds === 1) text = '1 second';
  else if (seconds < 60) text = `${seconds} seconds`;
  else if (minutes === 1) text = 'About a minute';
  else if (minutes < 60) text = `${minutes} minutes`;
  else if (hours === 1) text = 'About an hour';
  else if (hours < 48) text = `${hours} hours`;
  else if (hours < 24 * 7 * 2) text = `${Math.floor(hours / 24)} days`;
  else if (hours < 24 * 30 * 2) text = `${Math.floor(hours / 24 / 7)} weeks`;
  else if (hours < 24 * 365 * 2) text = `${Math.floor(hours / 24 / 30)} months`;
  else text = `${Math.floor(hours / 24 / 365)} years`;
  return `${text} ago`;
}

/** Unix seconds from an RFC 3339 string; 0 when it does not parse. */
export function unixSeconds(rfc3339: string | undefined): number {
  if (!rfc3339) return 0;
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `1 link`, `2 links`, `1,203 entries`: a count with its noun, singular for one. */
export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

const SI_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** go-humanize's Bytes, as dive prints sizes: SI units, `80 B`, `1.2 kB`, `32 kB`, `20 MB`. */
export function humanizeBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const e = Math.min(SI_UNITS.length - 1, Math.floor(Math.log(bytes) / Math.log(1000)));
  const value = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${SI_UNITS[e]}`;
}

/** Control characters shown as escapes (`\n`, `\u001b`): a stranger's text must not add lines or steer a terminal. */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it escapes
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
