/**
 * Which follow-up study a hip needs, in the cards' words (clinical-spec.md 8, 14): radiographs are
 * always of both hips, an MRI of both when the hip is not staged; a booked study reads "scheduled".
 */
import type { HipAssessment } from '../engine/types.js';
import type { ImagingNeed } from './resources.js';

export function stageKnown(hip: HipAssessment): boolean {
  return hip.stage.arco !== null || hip.stage.chinese !== null;
}

/** The follow-up study of a hip: radiographs are always of both hips; MRI of both when unstaged. */
export function followUpNeed(hip: HipAssessment): ImagingNeed {
  const { modality } = hip.followUp;
  const side = modality === 'XR' || (modality === 'MR' && !stageKnown(hip)) ? 'both' : hip.side;
  return { modality, side, forHip: hip };
}

export function shortStudy(need: ImagingNeed, manyHips: boolean): string {
  const name = need.modality === 'XR' ? 'radiographs' : need.modality === 'MR' ? 'MRI' : 'CT';
  if (need.modality === 'XR' || !manyHips) return name;
  return need.side === 'both' ? `${name} both hips` : `${name} ${need.side} hip`;
}

export function nextWhen(fu: HipAssessment['followUp']): string {
  if (fu.scheduled !== undefined) return `scheduled ${fu.scheduled}`;
  if (fu.lastStudy === null) return 'due now';
  return fu.overdue ? `overdue since ${fu.due}` : `due ${fu.due}`;
}
