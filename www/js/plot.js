// A small line plot on a canvas: enough for a loss curve, no dependency to ship.

import { surface } from "./surface.js";

export class LinePlot {
  constructor(canvas, { color = "#2b6cb0", yMin = null, yMax = null, format = (v) => v.toFixed(3) } = {}) {
    this.canvas = canvas;
    this.color = color;
    this.yMin = yMin;
    this.yMax = yMax;
    this.format = format;
    this.points = [];
    this.reference = null;
    // The text alternative: the caption and the latest numbers (updated on every draw).
    this.caption = canvas.closest("figure")?.querySelector("figcaption")?.textContent.trim() ?? "Plot";
    canvas.setAttribute("role", "img");
  }

  describe() {
    const last = this.points.at(-1);
    if (!last) return `${this.caption}: no data yet`;
    const ys = this.points.map((p) => p[1]);
    return `${this.caption}: ${this.format(last[1])} at step ${last[0]} ` +
      `(from ${this.format(this.points[0][1])} at step ${this.points[0][0]}; lowest ${this.format(Math.min(...ys))}, highest ${this.format(Math.max(...ys))})`;
  }

  /** A dashed horizontal line at `y`, labelled (e.g. a baseline). */
  setReference(y, label) {
    this.reference = Number.isFinite(y) ? { y, label } : null;
    this.draw();
  }

  clear() {
    this.points = [];
    this.draw();
  }

  push(x, y) {
    if (Number.isFinite(y)) this.points.push([x, y]);
    this.draw();
  }

  draw() {
    const { canvas, points } = this;
    const { ctx, width: w, height: h } = surface(canvas);
    const pad = 32;
    ctx.clearRect(0, 0, w, h);
    canvas.setAttribute("aria-label", this.describe());
    ctx.strokeStyle = "#ccc";
    ctx.strokeRect(pad, 4, w - pad - 4, h - pad + 8 - 12);
    if (points.length === 0) return;
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
    const y0 = this.yMin ?? Math.min(...ys), y1 = this.yMax ?? Math.max(...ys, y0 + 1e-6);
    const px = (x) => pad + ((x - x0) / (x1 - x0)) * (w - pad - 6);
    const py = (y) => 6 + (1 - (y - y0) / (y1 - y0 || 1)) * (h - pad - 10);
    ctx.fillStyle = "#555";
    ctx.font = "10px sans-serif";
    ctx.fillText(this.format(y1), 2, 12);
    ctx.fillText(this.format(y0), 2, h - pad);
    ctx.fillText(`step ${x1}`, w - 60, h - 8);
    if (this.reference) {
      const y = py(this.reference.y);
      ctx.save();
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = "#718096";
      ctx.beginPath();
      ctx.moveTo(pad, y);
      ctx.lineTo(w - 4, y);
      ctx.stroke();
      ctx.restore();
      ctx.fillText(this.reference.label, pad + 4, y - 3);
    }
    ctx.strokeStyle = this.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
    ctx.stroke();
    // Sparse series (an evaluation now and then): a dot per point, or a lone point is invisible.
    if (points.length < 30) {
      ctx.fillStyle = this.color;
      for (const [x, y] of points) {
        ctx.beginPath();
        ctx.arc(px(x), py(y), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
}
