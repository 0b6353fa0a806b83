/**
 * Hip assembly (clinical-spec.md sections 2, 3): the hips are known from the ONFH conditions;
 * findings, imaging and scores collected by the readers are attributed to them (a sided one to its
 * hip, an unsided one to the only affected hip, else a data gap), newest finding winning. Pure.
 */
import type { Laterality } from './anatomy.js';
import type { FindingId, FindingObservation, FindingValue, HipFacts, ImagingFact, RecordedStage, Side } from '../engine/patient-facts.js';
import {
  byDate, ETIOLOGY_RANK, sidesOf, toScoreFact, type DataGap, type Etiology, type KnownSide, type OnfhCondition, type PendingFinding,
  type PendingImaging, type PendingScore, type RefusedFinding,
} from './readers/collect.js';

interface HipBuilder {
  readonly side: Side;
  readonly conditions: string[];
  etiology: Etiology;
  diagnosisDate: string | null;
  stage: { readonly value: RecordedStage; readonly at: number } | null;
  readonly findings: PendingFinding[];
  readonly imaging: PendingImaging[];
  readonly pain: PendingScore[];
  readonly harris: PendingScore[];
  readonly kneePain: PendingScore[];
  hipPainCondition: boolean;
}

const SIDE_ORDER: Record<Side, number> = { right: 0, left: 1, unknown: 2 };

export function buildHips(
  conditions: readonly OnfhCondition[],
  { valid: findings, refused }: { readonly valid: readonly PendingFinding[]; readonly refused: readonly RefusedFinding[] },
  imaging: readonly PendingImaging[],
  scores: { readonly pain: readonly PendingScore[]; readonly harris: readonly PendingScore[]; readonly kneePain: readonly PendingScore[] },
  hipPain: readonly (Laterality | undefined)[],
  dataGaps: DataGap[],
  notes: string[],
): HipFacts[] {
  const builders = new Map<Side, HipBuilder>();
  for (const c of conditions) {
    for (const side of c.sides) {
      let hip = builders.get(side);
      if (hip === undefined) {
        hip = {
          side, conditions: [], etiology: c.etiology, diagnosisDate: null, stage: null,
          findings: [], imaging: [], pain: [], harris: [], kneePain: [], hipPainCondition: false,
        };
        builders.set(side, hip);
      }
      if (!hip.conditions.includes(c.ref)) hip.conditions.push(c.ref);
      if (ETIOLOGY_RANK[c.etiology] > ETIOLOGY_RANK[hip.etiology]) hip.etiology = c.etiology;
      // the earliest diagnosis date of the hip's conditions
      if (c.diagnosisDate !== null && (hip.diagnosisDate === null || c.diagnosisDate < hip.diagnosisDate)) hip.diagnosisDate = c.diagnosisDate;
      if (c.stage !== null && (hip.stage === null || c.recordedAt >= hip.stage.at)) hip.stage = { value: c.stage, at: c.recordedAt };
    }
  }
  if (builders.size === 0) return [];
  const all = [...builders.values()];
  const only = all.length === 1 ? all[0] : undefined;

  // spec 2: a sided finding goes to its hip; an unsided one to the only affected hip, else a data gap
  for (const f of findings) {
    if (f.side === undefined) {
      if (only !== undefined) only.findings.push(f);
      else {
        dataGaps.push({
          code: 'finding-side-unknown',
          message: `${f.finding} has no side and more than one hip is affected; ignored`,
          finding: f.finding,
          resource: f.ref,
        });
      }
      continue;
    }
    for (const side of sidesOf(f.side)) {
      const hip = builders.get(side);
      if (hip !== undefined) hip.findings.push(f);
      else notes.push(`${f.ref}: ${f.finding} of the ${side} hip, which has no ONFH condition`);
    }
  }
  // spec 3: an implausible value is a data gap of the hip it belongs to (none for a hip without ONFH)
  for (const r of refused) {
    const sides: readonly Side[] = r.side === undefined ? (only !== undefined ? [only.side] : ['unknown']) : sidesOf(r.side);
    for (const side of sides) {
      if (r.side !== undefined && !builders.has(side)) continue;
      dataGaps.push({
        code: 'implausible-value',
        message: `${r.finding}: ${r.why}; treated as unknown`,
        finding: r.finding,
        resource: r.ref,
        ...(side !== 'unknown' || only !== undefined ? { side } : {}),
      });
    }
  }
  for (const s of imaging) {
    if (s.side === 'both') for (const hip of all) hip.imaging.push(s);
    else if (s.side !== undefined) builders.get(s.side)?.imaging.push(s);
    else if (only !== undefined) only.imaging.push(s);
    else notes.push(`${s.ref}: imaging with no side while more than one hip is affected, not attributed`);
  }
  // HipFacts: scores sided to the hip, or unsided (every hip)
  const scoreSides = (list: readonly PendingScore[], target: 'pain' | 'harris' | 'kneePain') => {
    for (const s of list) {
      const sides = sidesOf(s.side);
      for (const hip of all) {
        if (sides.length === 0 || (hip.side !== 'unknown' && sides.includes(hip.side))) hip[target].push(s);
      }
    }
  };
  scoreSides(scores.pain, 'pain');
  scoreSides(scores.harris, 'harris');
  scoreSides(scores.kneePain, 'kneePain');
  for (const side of hipPain) {
    const sides = sidesOf(side);
    for (const hip of all) {
      if (sides.length === 0 || (hip.side !== 'unknown' && sides.includes(hip.side))) hip.hipPainCondition = true;
    }
  }

  return all
    .sort((a, b) => SIDE_ORDER[a.side] - SIDE_ORDER[b.side])
    .map((hip): HipFacts => {
      const history = [...hip.findings].sort(byDate);
      const latest: Partial<Record<FindingId, FindingValue>> = {};
      for (const f of history) latest[f.finding] = f.value; // spec 3: oldest first, so the newest wins
      return {
        side: hip.side,
        conditions: hip.conditions,
        etiology: hip.etiology,
        diagnosisDate: hip.diagnosisDate,
        recordedStage: hip.stage?.value ?? null,
        findings: latest,
        findingHistory: history.map((f): FindingObservation => ({ finding: f.finding, value: f.value, date: f.date, ref: f.ref })),
        imaging: [...hip.imaging].sort((a, b) => a.at - b.at).map(toImagingFact),
        painScores: [...hip.pain].sort(byDate).map(toScoreFact),
        harrisScores: [...hip.harris].sort(byDate).map(toScoreFact),
        hipPainCondition: hip.hipPainCondition,
        kneePainScores: [...hip.kneePain].sort(byDate).map(toScoreFact),
      };
    });
}

function toImagingFact(s: PendingImaging): ImagingFact {
  return { modality: s.modality, date: s.date, ref: s.ref };
}

/**
 * Imaging of each hip whether affected or not (for spec 8's contralateral MRI): sided studies,
 * both-hips/pelvis studies, and unsided studies when exactly one sided hip is affected.
 */
export function imagingOfEachSide(imaging: readonly PendingImaging[], hips: readonly HipFacts[]): Record<KnownSide, ImagingFact[]> {
  const out: Record<KnownSide, ImagingFact[]> = { left: [], right: [] };
  const onlySide = hips.length === 1 ? hips[0]?.side : undefined;
  for (const s of [...imaging].sort((a, b) => a.at - b.at)) {
    if (s.side === 'both') {
      out.left.push(toImagingFact(s));
      out.right.push(toImagingFact(s));
    } else if (s.side !== undefined) out[s.side].push(toImagingFact(s));
    else if (onlySide === 'left' || onlySide === 'right') out[onlySide].push(toImagingFact(s));
  }
  return out;
}
