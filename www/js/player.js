// The training loop of a widget: play / pause / step, owned by JavaScript, one Rust step at a time.
//
// Each tick enqueues a few steps (`session.train(n)` returns at once on WebGPU), then awaits one
// report, which is the only point the page waits for the device. `n` adapts so that a tick's
// synchronous part stays under ~25 ms (on the CPU backend the steps run inside `train`).
// A generation counter cancels a stale loop when the widget pauses, resets or is rebuilt.

const TARGET_MS = 25;

export class Player {
  constructor({ session, onReport, onError, reportEvery = 1 }) {
    this.session = session;
    this.onReport = onReport;
    this.onError = onError;
    this.generation = 0;
    this.stepsPerTick = 1;
    this.playing = false;
    this.reportEvery = reportEvery;
  }

  play() {
    if (this.playing) return;
    this.playing = true;
    this.loop(++this.generation);
  }

  pause() {
    this.playing = false;
    this.generation++;
  }

  /** One training step and its report. */
  async step() {
    this.pause();
    await this.tick(this.generation, 1);
  }

  async loop(generation) {
    while (this.playing && generation === this.generation) {
      const ok = await this.tick(generation, this.stepsPerTick);
      if (!ok) return;
      // Yield to the browser so input and painting happen between ticks.
      await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    }
  }

  async tick(generation, steps) {
    try {
      const start = performance.now();
      this.session.train(steps);
      const spent = performance.now() - start;
      // Adapt the number of steps per tick to the time one `train` call blocks the page.
      if (spent < TARGET_MS / 2) this.stepsPerTick = Math.min(this.stepsPerTick * 2, 64);
      else if (spent > TARGET_MS && this.stepsPerTick > 1) this.stepsPerTick = Math.max(1, this.stepsPerTick >> 1);
      const report = await this.session.report();
      if (generation === this.generation || steps === 1) this.onReport(report);
      return true;
    } catch (error) {
      this.pause();
      this.onError(error);
      return false;
    }
  }
}
