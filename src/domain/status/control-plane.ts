/** A lost control plane as status derivation sees it (the store's `ControlPlaneLoss`). */
export interface ControlPlaneLossView {
  lost: readonly string[];
  recreatedOn?: string;
}

/** The sentence users see for a lost (or recreated) control plane, in events, conditions and logs. */
export function lossSummary(loss: ControlPlaneLossView): string {
  const lost = loss.lost.length > 0 ? loss.lost.join(', ') : 'every manager';
  if (loss.recreatedOn) return `control plane lost (${lost}): recreated on ${loss.recreatedOn}; workloads and cluster state of the old one did not survive`;
  return `control plane lost (${lost}); a new one is being bootstrapped; workloads and cluster state of the old one do not survive`;
}
