// Canvases drawn at the resolution they are shown at. Every canvas of a widget keeps its tag's
// width and height as its own units (the drawing code's coordinates, and its CSS size: see
// `sizeSheet`), while its backing store follows the size it is shown at times the screen's pixel
// ratio: crisp on a high-density screen and in a host that scales its content (reveal.js scales
// a slide to the window), never blurry, never wasteful.

/** A canvas's own size: its tag's width and height, kept in `data-w` / `data-h`. */
export function ownSize(canvas) {
  canvas.dataset.w ??= String(canvas.width);
  canvas.dataset.h ??= String(canvas.height);
  return { width: Number(canvas.dataset.w), height: Number(canvas.dataset.h) };
}

/**
 * Backing pixels per own unit: the shown content box (CSS pixels, times the host's scale: a
 * transform or zoom shows in the bounding box) times devicePixelRatio, over the own size. A
 * canvas that is not laid out (hidden) gets the screen's ratio.
 */
function pixelsPerUnit(canvas, { width, height }) {
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  if (!canvas.offsetWidth || !box.width) return ratio;
  const hostScale = box.width / canvas.offsetWidth;
  return Math.min(canvas.clientWidth / width, canvas.clientHeight / height) * hostScale * ratio;
}

/**
 * The 2-d context of `canvas` to draw in its own units: `{ ctx, width, height }`. The backing
 * store is resized (which clears it) only when the shown size changed.
 */
export function surface(canvas) {
  const size = ownSize(canvas);
  const scale = pixelsPerUnit(canvas, size);
  const w = Math.max(1, Math.round(size.width * scale)), h = Math.max(1, Math.round(size.height * scale));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(w / size.width, 0, 0, h / size.height, 0, 0);
  return { ctx, ...size };
}

/**
 * A stylesheet that fixes every canvas under `root` at its own size in CSS pixels (the backing
 * store's width and height no longer say it), for the widget's shadow root. A rule per size,
 * not a style attribute: nothing a Content-Security-Policy objects to.
 */
export function sizeSheet(root) {
  const widths = new Set([...root.querySelectorAll("canvas")].map((c) => ownSize(c).width));
  const sheet = new CSSStyleSheet();
  sheet.replaceSync([...widths].map((w) => `canvas[data-w="${w}"] { width: ${w}px; }`).join("\n"));
  return sheet;
}
