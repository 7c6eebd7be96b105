// Layer chain IDs, the names the engine's layer store files layers under: a layer's identity includes every
// layer below it. ChainID(L1) = DiffID(L1); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
// The hash comes from the caller so that core stays free of node modules.

/** Hex sha256 of a UTF-8 string. */
export type Sha256Hex = (text: string) => string;

export function chainIds(diffIds: readonly string[], sha256Hex: Sha256Hex): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous === undefined ? diffId : 'sha256:' + sha256Hex(`${previous} ${diffId}`));
  }
  return out;
}

/** The chain ID of the whole stack (the top layer's), or undefined for an image with no layers. */
export function topChainId(diffIds: readonly string[], sha256Hex: Sha256Hex): string | undefined {
  const ids = chainIds(diffIds, sha256Hex);
  return ids[ids.length - 1];
}
