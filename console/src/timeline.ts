/** A per-hip timeline (SVG): each imaging study with the stage read at it, the last study, the next due date. */
import { h, svg } from './dom.js';

export interface Hip {
  side: string;
  stage: {
    arco: string | null;
    chinese: string | null;
    source: string | null;
    history?: { date: string; arco: string | null; chinese: string | null; modality?: string }[];
  };
  recommendations: { modality: string; status: string; evidence: string; strength: number; source: string }[];
  followUp: { modality: string; intervalMonths: number; lastStudy: string | null; due: string; overdue: boolean };
}

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

export function hipTimeline(hip: Hip, evaluatedAt: string): HTMLElement {
  const studies = [...(hip.stage.history ?? [])].sort((a, b) => a.date.localeCompare(b.date));
  const { due, overdue, lastStudy } = hip.followUp;
  const dates = [...studies.map((s) => s.date), due, evaluatedAt, ...(lastStudy ? [lastStudy] : [])];
  const lo = Math.min(...dates.map(day));
  const hi = Math.max(...dates.map(day));
  const W = 720, H = 150, L = 70, R = 70, Y = 80;
  // Labels are centred on their mark but kept inside the picture.
  const lx = (v: number): number => Math.min(Math.max(v, 60), W - 60);
  const x = (iso: string): number => L + ((day(iso) - lo) / Math.max(hi - lo, 1)) * (W - L - R);
  const title = `Imaging timeline, ${hip.side} hip: ${studies.length} stud${studies.length === 1 ? 'y' : 'ies'}` +
    `${lastStudy ? `, last ${lastStudy}` : ''}, next ${hip.followUp.modality} due ${due}${overdue ? ' (overdue)' : ''}`;
  const parts: SVGElement[] = [
    svg('title', {}, title),
    svg('line', { x1: L, y1: Y, x2: W - R, y2: Y, class: 'axis' }),
  ];
  studies.forEach((s, i) => {
    const cx = x(s.date);
    const up = i % 2 === 0; // alternate labels above and below so close studies stay legible
    parts.push(
      svg('g', { class: 'study', 'data-date': s.date },
        svg('circle', { cx, cy: Y, r: 6 }),
        svg('text', { x: lx(cx), y: up ? Y - 30 : Y + 28, 'text-anchor': 'middle', class: 'stage-label' }, `ARCO ${s.arco ?? '—'} / ${s.chinese ?? '—'}`),
        svg('text', { x: lx(cx), y: up ? Y - 14 : Y + 44, 'text-anchor': 'middle', class: 'date-label' }, `${s.modality ?? ''} ${s.date}`.trim())),
    );
  });
  const nowX = x(evaluatedAt);
  parts.push(
    svg('g', { class: 'today' },
      svg('line', { x1: nowX, y1: Y - 45, x2: nowX, y2: Y + 45 }),
      svg('text', { x: lx(nowX), y: H - 4, 'text-anchor': 'middle', class: 'date-label' }, `evaluated ${evaluatedAt}`)),
  );
  const dueX = x(due);
  parts.push(
    svg('g', { class: overdue ? 'due overdue' : 'due', 'data-date': due },
      svg('rect', { x: dueX - 6, y: Y - 6, width: 12, height: 12, transform: `rotate(45 ${dueX} ${Y})` }),
      svg('text', { x: lx(dueX), y: 14, 'text-anchor': 'middle', class: 'due-label' }, `${hip.followUp.modality} due ${due}${overdue ? ' (overdue)' : ''}`)),
  );
  const picture = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'timeline', 'data-testid': 'hip-timeline' }, ...parts);
  return h('figure', { class: 'timeline-figure' }, picture, h('figcaption', { class: 'muted' }, title));
}
