// The Packages panel: what each layer of an image installed, upgraded or removed, read from the package
// databases in its layers (through the shared layer cache, so a layer Layer Files read is not read again).
import { stepsOf } from '../../backend/catalog';
import { imagePackages, type ImagePackages } from '../../backend/image-packages';
import type { LayerStep } from '../../core/layers';
import type { ReportKind } from './image-report-panel';
import { packagesBody, packagesHeading, packagesLoadingBody } from './packages-view';

export const PACKAGES: ReportKind<ImagePackages & { steps: LayerStep[] }> = {
  heading: packagesHeading,
  loading: packagesLoadingBody,
  progressTitle: (ref) => `Reading the packages of ${ref}`,
  command: 'Show Packages',
  again: 'read them',
  async read(catalog, inspect, progress) {
    const [report, details] = await Promise.all([imagePackages(catalog.backend, inspect.Id, progress), catalog.detailsOf(inspect.Id)]);
    return { ...report, steps: stepsOf(details) };
  },
  body: (ref, r) => packagesBody(ref, r.layers, r.steps, r.truncated),
};
