// Two small canvas charts for the representation board: grouped bars and a class-coloured scatter.
// No dependency to ship; the board's table carries the same numbers as text.

import { surface } from "./surface.js";

/** Ten colours that stay apart for the ten classes (Tableau 10). */
export const CLASS_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/**
 * Grouped vertical bars on a 0-100% axis.
 * @param groups  [{ label, values: [v per series], ranges: [[lo, hi] | null per series] }]
 * @param series  [{ name, color }]
 */
export function drawBars(canvas, groups, series) {
  const { ctx, width: w, height: h } = surface(canvas);
  const left = 34, bottom = 34, top = 22;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px sans-serif";
  const py = (v) => top + (1 - v) * (h - top - bottom);
  for (let t = 0; t <= 1.0001; t += 0.25) {
    ctx.strokeStyle = "#edf2f7";
    ctx.beginPath(); ctx.moveTo(left, py(t)); ctx.lineTo(w - 4, py(t)); ctx.stroke();
    ctx.fillStyle = "#555";
    ctx.fillText(`${Math.round(t * 100)}%`, 2, py(t) + 4);
  }
  series.forEach((s, j) => {
    ctx.fillStyle = s.color; ctx.fillRect(left + 8 + j * 110, 4, 10, 10);
    ctx.fillStyle = "#333"; ctx.fillText(s.name, left + 22 + j * 110, 13);
  });
  const slot = (w - left - 8) / Math.max(groups.length, 1);
  const bar = Math.min(28, (slot - 10) / series.length);
  groups.forEach((g, i) => {
    const x0 = left + 4 + i * slot + (slot - bar * series.length) / 2;
    g.values.forEach((v, j) => {
      const x = x0 + j * bar;
      ctx.fillStyle = series[j].color;
      ctx.fillRect(x, py(v), bar - 2, py(0) - py(v));
      const range = g.ranges?.[j];
      if (range) { // the spread of several runs
        ctx.strokeStyle = "#1a202c";
        ctx.beginPath();
        ctx.moveTo(x + bar / 2 - 1, py(range[0])); ctx.lineTo(x + bar / 2 - 1, py(range[1]));
        ctx.stroke();
      }
      ctx.fillStyle = "#1a202c";
      ctx.fillText(`${Math.round(v * 100)}`, x, py(Math.max(v, range ? range[1] : v)) - 3);
    });
    ctx.fillStyle = "#333";
    const label = g.label.length > 14 ? `${g.label.slice(0, 13)}…` : g.label;
    ctx.fillText(label, left + 4 + i * slot + (slot - ctx.measureText(label).width) / 2, h - bottom + 16);
  });
}

/** Points `[x0, y0, x1, y1, ...]` coloured by `labels[i]`, with a legend of `classNames`. */
export function drawScatter(canvas, points, labels, classNames) {
  const { ctx, width: w, height: h } = surface(canvas);
  const pad = 8, legend = 18;
  ctx.clearRect(0, 0, w, h);
  const n = labels.length;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, points[2 * i]); x1 = Math.max(x1, points[2 * i]);
    y0 = Math.min(y0, points[2 * i + 1]); y1 = Math.max(y1, points[2 * i + 1]);
  }
  const px = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad);
  const py = (y) => h - legend - pad - ((y - y0) / (y1 - y0 || 1)) * (h - legend - 2 * pad);
  ctx.globalAlpha = 0.7;
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = CLASS_COLORS[labels[i] % CLASS_COLORS.length];
    ctx.fillRect(px(points[2 * i]) - 1.5, py(points[2 * i + 1]) - 1.5, 3, 3);
  }
  ctx.globalAlpha = 1;
  ctx.font = "10px sans-serif";
  const step = w / classNames.length;
  classNames.forEach((name, c) => {
    ctx.fillStyle = CLASS_COLORS[c % CLASS_COLORS.length];
    ctx.fillRect(c * step + 2, h - 12, 8, 8);
    ctx.fillStyle = "#333";
    ctx.fillText(name.slice(0, Math.max(1, Math.floor(step / 6) - 2)), c * step + 12, h - 4);
  });
}
