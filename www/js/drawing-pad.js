// A 28 x 28 drawing pad shown larger: draw a digit with the mouse or a finger, read it back as
// the 784 grey values in [0, 1] the session's image operations take.

import { surface } from "./surface.js";

const SIDE = 28;

export class DrawingPad {
  /** @param canvas the pad; @param clearButton the button that blanks it */
  constructor(canvas, clearButton) {
    this.canvas = canvas;
    // The pad's backing store is set once: resizing it later would wipe the drawing.
    const { ctx, width, height } = surface(canvas);
    const clear = () => { ctx.fillStyle = "black"; ctx.fillRect(0, 0, width, height); };
    clear();
    let down = false;
    const stroke = (e) => {
      if (!down) return;
      const rect = canvas.getBoundingClientRect();
      const x = (e.clientX - rect.left) * (width / rect.width);
      const y = (e.clientY - rect.top) * (height / rect.height);
      ctx.fillStyle = "white";
      ctx.beginPath();
      ctx.arc(x, y, width / 16, 0, 2 * Math.PI);
      ctx.fill();
    };
    canvas.addEventListener("pointerdown", (e) => { down = true; stroke(e); });
    canvas.addEventListener("pointermove", stroke);
    addEventListener("pointerup", () => (down = false));
    clearButton.addEventListener("click", clear);
  }

  /** The drawing down to 28 x 28 (the canvas averages), grey values in [0, 1], row by row. */
  pixels() {
    const small = document.createElement("canvas");
    small.width = small.height = SIDE;
    const s = small.getContext("2d");
    s.drawImage(this.canvas, 0, 0, SIDE, SIDE);
    const rgba = s.getImageData(0, 0, SIDE, SIDE).data;
    return Float32Array.from({ length: SIDE * SIDE }, (_, p) => rgba[4 * p] / 255);
  }
}
