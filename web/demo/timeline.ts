// Draws fused probabilities over time on a canvas, with detected episodes shaded.
import type { DetectionEvent, WindowResult } from '../src/index.js';

const COLORS = ['#d9480f', '#7048e8', '#2f9e44'];

export interface Episode {
  label: 'cry' | 'scream';
  start: number;
  end?: number;
}

export function drawTimeline(canvas: HTMLCanvasElement, windows: WindowResult[], episodes: Episode[], span: { from: number; to: number }): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  const len = Math.max(1e-3, span.to - span.from);
  const x = (t: number) => ((t - span.from) / len) * w;
  for (const e of episodes) {
    const x0 = Math.max(0, x(e.start));
    const x1 = Math.min(w, x(e.end ?? span.to));
    if (x1 <= 0 || x0 >= w) continue;
    g.fillStyle = e.label === 'cry' ? 'rgba(217,72,15,0.15)' : 'rgba(112,72,232,0.15)';
    g.fillRect(x0, 0, x1 - x0, h);
  }
  g.strokeStyle = '#dee2e6';
  g.beginPath();
  for (let s = Math.ceil(span.from / 10) * 10; s <= span.to; s += 10) { g.moveTo(x(s), 0); g.lineTo(x(s), h); }
  g.stroke();
  for (let c = 0; c < 3; c++) {
    g.strokeStyle = COLORS[c];
    g.lineWidth = 2;
    g.beginPath();
    let first = true;
    for (const win of windows) {
      if (win.end < span.from) continue;
      const px = x(win.end);
      const py = h - 4 - win.smoothed[c] * (h - 8);
      if (first) g.moveTo(px, py); else g.lineTo(px, py);
      first = false;
    }
    g.stroke();
  }
}

export function episodesFrom(events: DetectionEvent[]): Episode[] {
  const out: Episode[] = [];
  for (const e of events) {
    if (e.type === 'onset') out.push({ label: e.label, start: e.start });
    else {
      const open = [...out].reverse().find((o) => o.label === e.label && o.end === undefined);
      if (open) open.end = e.end;
      else out.push({ label: e.label, start: e.start, end: e.end });
    }
  }
  return out;
}
