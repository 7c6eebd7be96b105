// Content digests as the engine writes them (`sha256:<64 hex>`), parsed and compared without any I/O.

export const SHA256_PREFIX = 'sha256:';
const SHA256_HEX = /^[a-f0-9]{64}$/;

export interface Digest {
  algorithm: 'sha256';
  hex: string;
}

/** Parses `sha256:<64 lowercase hex>`; undefined for anything else (other algorithms, short or upper-case hex). */
export function parseDigest(value: unknown): Digest | undefined {
  if (typeof value !== 'string' || !value.startsWith(SHA256_PREFIX)) return undefined;
  const hex = value.slice(SHA256_PREFIX.length);
  return SHA256_HEX.test(hex) ? { algorithm: 'sha256', hex } : undefined;
}

export function isDigest(value: unknown): value is string {
  return parseDigest(value) !== undefined;
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** `sha256:` + hex, for a hex string that may or may not carry the prefix already. */
export function withSha256Prefix(hexOrDigest: string): string {
  return hexOrDigest.startsWith(SHA256_PREFIX) ? hexOrDigest : SHA256_PREFIX + hexOrDigest;
}

export function digestHex(digest: string): string {
  return digest.startsWith(SHA256_PREFIX) ? digest.slice(SHA256_PREFIX.length) : digest;
}

/** A short or full image ID as `docker` accepts it: hex of at least one character, with or without `sha256:`. */
export function idPrefix(input: string): string | undefined {
  const hex = input.startsWith(SHA256_PREFIX) ? input.slice(SHA256_PREFIX.length) : input;
  return /^[a-f0-9]{1,64}$/.test(hex) ? hex : undefined;
}
