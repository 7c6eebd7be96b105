// Where each piece lives under the store root. The shape mirrors the engine's data root
// (image/<driver>/imagedb, layerdb, repositories.json, distribution) so that users who know Docker find
// their way around; the layer data (one uncompressed tar per diff ID) has a folder of its own.
import * as path from 'path';
import { digestHex } from '../../core/digest';

export const DRIVER = 'builtin';

export class StoreLayout {
  readonly imageRoot: string;
  readonly imagedb: string;
  readonly imageContent: string;
  readonly imageMetadata: string;
  readonly layerdb: string;
  readonly layerdbChains: string;
  readonly repositories: string;
  /** The image summary index (summary.ts): an accelerator for listings, rebuilt from the files when stale. */
  readonly summary: string;
  readonly distribution: string;
  readonly layerData: string;
  /** Staging folders of loads in progress, and the commit journal. Same filesystem, so renames are atomic. */
  readonly tmp: string;
  readonly lockFile: string;
  readonly journal: string;

  constructor(readonly root: string) {
    this.imageRoot = path.join(root, 'image', DRIVER);
    this.imagedb = path.join(this.imageRoot, 'imagedb');
    this.imageContent = path.join(this.imagedb, 'content', 'sha256');
    this.imageMetadata = path.join(this.imagedb, 'metadata', 'sha256');
    this.layerdb = path.join(this.imageRoot, 'layerdb');
    this.layerdbChains = path.join(this.layerdb, 'sha256');
    this.repositories = path.join(this.imageRoot, 'repositories.json');
    this.summary = path.join(this.imagedb, 'summary.json');
    this.distribution = path.join(this.imageRoot, 'distribution');
    this.layerData = path.join(root, 'layers', 'sha256');
    this.tmp = path.join(root, 'tmp');
    this.lockFile = path.join(root, 'lock');
    this.journal = path.join(this.tmp, 'commit-journal.json');
  }

  imageConfig(id: string): string {
    return path.join(this.imageContent, digestHex(id));
  }
  imageMeta(id: string): string {
    return path.join(this.imageMetadata, digestHex(id));
  }
  chainDir(chainId: string): string {
    return path.join(this.layerdbChains, digestHex(chainId));
  }
  layerTar(diffId: string): string {
    return path.join(this.layerData, digestHex(diffId) + '.tar');
  }
  diffIdByDigest(digest: string): string {
    return path.join(this.distribution, 'diffid-by-digest', 'sha256', digestHex(digest));
  }
  v2MetadataByDiffId(diffId: string): string {
    return path.join(this.distribution, 'v2metadata-by-diffid', 'sha256', digestHex(diffId));
  }

  /** Every folder the store needs, created on first write. */
  folders(): string[] {
    return [
      this.imageContent,
      this.imageMetadata,
      this.layerdbChains,
      path.join(this.distribution, 'diffid-by-digest', 'sha256'),
      path.join(this.distribution, 'v2metadata-by-diffid', 'sha256'),
      this.layerData,
      this.tmp,
    ];
  }
}
