// The character-level GPT widget: as the student types a prompt, bars of P(next character |
// the prompt); writing a continuation with a temperature and top-k; training and held-out bits
// per character plotted (the held-out figure every few dozen reports and on Evaluate).
// Starts from the shipped pretrained model; "Reset" trains from scratch.

import { number } from "./method-widget.js";
import { PretrainedWidget } from "./pretrained-widget.js";
import { surface } from "./surface.js";

/** How many of the likeliest next characters the bars show. */
const BARS = 16;
/** Reports between two held-out evaluations while training. */
const EVAL_EVERY = 40;

/** A character as the bars label it (space and newline made visible). */
const show = (c) => (c === " " ? "␣" : c === "\n" ? "↵" : c);

export class CharLmWidget extends PretrainedWidget {
  constructor(root) {
    super(root, {
      method: "charlm",
      fields: {
        context: number, embedding: number, heads: number, layers: number,
        batch_size: number, learning_rate: number, gradient_clip: number, seed: number,
      },
      plots: {
        bits_per_character: { color: "#2b6cb0", yMin: 0, format: (v) => v.toFixed(2) },
        held_out: { color: "#c05621", yMin: 0, format: (v) => v.toFixed(2) },
      },
    }, {
      charlm: { file: "pretrained/charlm.upck", label: "GPT on Genesis" },
    });
    let timer = null;
    this.el("prompt").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.refreshExamples(), 120);
    });
    this.el("write").addEventListener("click", () => this.write());
  }

  /** The bars for the prompt as it stands. */
  async refreshExamples() {
    if (!this.session || this.starting) return;
    const prompt = this.el("prompt").value;
    try {
      const next = await this.session.next_char(prompt);
      this.drawBars(next);
      this.showError(null);
      performance.mark("charlm:bars");
    } catch (error) {
      this.showError(error);
    }
  }

  drawBars(next) {
    const canvas = this.el("bars");
    const { ctx, width: w, height: h0 } = surface(canvas);
    ctx.clearRect(0, 0, w, h0);
    const order = next.probabilities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, BARS);
    const width = w / BARS, top = 14, bottom = 18, h = h0 - top - bottom;
    ctx.font = "12px monospace";
    ctx.textAlign = "center";
    order.forEach(([p, i], k) => {
      const x = k * width, bar = p * h;
      ctx.fillStyle = "#3182ce";
      ctx.fillRect(x + 3, top + h - bar, width - 6, bar);
      ctx.fillStyle = "#1a202c";
      ctx.fillText(show(next.characters[i]), x + width / 2, h0 - 4);
      ctx.fillStyle = "#4a5568";
      ctx.fillText(`${Math.round(p * 100)}%`, x + width / 2, top + h - bar - 3);
    });
    // The text alternative: the likeliest characters and their probabilities.
    const summary = order.slice(0, 5).map(([p, i]) => `${show(next.characters[i])} ${(100 * p).toFixed(1)}%`).join(", ");
    canvas.setAttribute("aria-label", `Most likely next characters: ${summary}`);
    canvas.dataset.top = next.characters[order[0][1]];
  }

  async write() {
    const button = this.el("write");
    button.disabled = true;
    try {
      const prompt = this.el("prompt").value;
      const text = await this.session.write(prompt, Number(this.el("length").value), {
        temperature: Number(this.el("temperature").value),
        top_k: Number(this.el("top-k").value),
        seed: Number(this.el("write-seed").value),
      });
      const out = this.el("written");
      out.textContent = "";
      const b = document.createElement("b");
      b.textContent = prompt;
      out.append(b, text);
      out.dataset.length = text.length;
      this.showError(null);
    } catch (error) {
      this.showError(error);
    } finally {
      button.disabled = false;
    }
  }

  onReport(report) {
    super.onReport(report);
    if (this.reports % EVAL_EVERY === 0) this.evaluate();
  }

  showEvaluation(ev) {
    const l = ev.language;
    this.plots.held_out.push(this.stepCount, l.bits_per_character);
    this.field("held_out_bits").textContent = l.bits_per_character.toFixed(3);
    this.field("unigram_bits").textContent = l.unigram_bits_per_character.toFixed(3);
    this.field("characters").textContent = l.characters.toLocaleString("en");
    this.root.querySelector("table.probe").dataset.bits = l.bits_per_character;
  }
}
