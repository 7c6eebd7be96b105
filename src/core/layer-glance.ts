// What a layer row says at a glance, in the few characters a narrow side bar leaves: its size and share of the
// image first (where the bytes go), then who shares it and what it wasted; the build step last, where a cut
// costs least (the whole step is in the tooltip).
import { formatBytes } from './format';
import type { LayerWaste } from './layer-waste';
import { describeUsers } from './sharing';

/** The layer's bytes as a fraction of the image's (0…1); 0 when the image has no size. */
export function shareOfImage(layerBytes: number, imageBytes: number): number {
  if (!(imageBytes > 0) || !(layerBytes > 0)) return 0;
  return Math.min(1, layerBytes / imageBytes);
}

/** A share as a whole percentage; a layer with bytes never reads as 0%, one of all the bytes never as "<1%". */
export function formatShare(share: number): string {
  if (share <= 0) return '0%';
  if (share < 0.01) return '<1%';
  return `${Math.round(share * 100)}%`;
}

/** The step of `n` of `steps` a share falls in: 0 only for no bytes at all, `steps` only for the whole image. */
export function shareStep(share: number, steps: number): number {
  if (share <= 0) return 0;
  if (share >= 1) return steps;
  return Math.min(steps - 1, Math.max(1, Math.round(share * steps)));
}

export interface LayerGlance {
  /** `6.3MB · 42%`: the row's label. */
  label: string;
  /** `shared by 3 · 6.3MB wasted · RUN apk add …`: the row's description. */
  description: string;
}

/** The row of a layer that made bytes: facts first, the step last. */
export function layerGlance(
  layer: { size: number; createdBy: string },
  imageBytes: number,
  usedBy: number | undefined,
  waste: LayerWaste | undefined,
): LayerGlance {
  const parts: string[] = [];
  if (usedBy !== undefined && usedBy > 1) parts.push(describeUsers(usedBy));
  if (waste && waste.bytes > 0) parts.push(`${formatBytes(waste.bytes)} wasted`);
  parts.push(oneLine(layer.createdBy) || '(no build step recorded)');
  return { label: `${formatBytes(layer.size)} · ${formatShare(shareOfImage(layer.size, imageBytes))}`, description: parts.join(' · ') };
}

/** A step's text on one line: a shell script's newlines and runs of blanks as single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
