// The training loop of a widget: play / pause / step, owned by JavaScript, one Rust step at a time.
//
// Each tick is one call, `session.train_and_report(n)`: it enqueues `n` steps and resolves to
// their report, the only point the page waits for the device (in the worker: one message each
// way). `n` adapts so that the work of a tick, the report's `compute_seconds` (from enqueueing
// to the values read back, measured where the model lives), is about 25 ms: reports come often
// enough to draw, and on the main thread a CPU tick never holds the page for long.
// A generation counter cancels a stale loop when the widget pauses, resets or is rebuilt.
// Training waits while the widget cannot be seen (scrolled out of view, or the tab hidden) and
// resumes when it can: a page of many widgets spends the device on the one being read.

const TARGET_MS = 25;

export class Player {
  constructor({ session, onReport, onError, onWait = () => {}, reportEvery = 1 }) {
    this.session = session;
    this.onReport = onReport;
    this.onError = onError;
    this.onWait = onWait;
    this.visible = true;
    this.wake = null;
    this.onVisibility = () => this.wakeIfVisible();
    document.addEventListener("visibilitychange", this.onVisibility);
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
    this.wakeIfVisible(true);
  }

  /** Whether the widget is on screen (the widget's IntersectionObserver says). */
  setVisible(visible) {
    this.visible = visible;
    this.wakeIfVisible();
  }

  /** Release a loop waiting for visibility (`always`: so a paused loop can end). */
  wakeIfVisible(always = false) {
    if (this.wake && (always || (this.visible && !document.hidden))) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  }

  /** Stop listening to the page (the widget made a new player). */
  dispose() {
    this.pause();
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  /** One training step and its report. */
  async step() {
    this.pause();
    await this.tick(this.generation, 1);
  }

  async loop(generation) {
    while (this.playing && generation === this.generation) {
      if (!this.visible || document.hidden) {
        this.onWait(true);
        await new Promise((resolve) => (this.wake = resolve));
        this.onWait(false);
        continue;
      }
      const ok = await this.tick(generation, this.stepsPerTick);
      if (!ok) return;
      // Yield to the browser so input and painting happen between ticks.
      await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    }
  }

  async tick(generation, steps) {
    try {
      const report = await this.session.train_and_report(steps);
      const spent = 1000 * report.compute_seconds;
      if (spent < TARGET_MS / 2) this.stepsPerTick = Math.min(this.stepsPerTick * 2, 64);
      else if (spent > TARGET_MS && this.stepsPerTick > 1) this.stepsPerTick = Math.max(1, this.stepsPerTick >> 1);
      if (generation === this.generation || steps === 1) this.onReport(report);
      return true;
    } catch (error) {
      this.pause();
      this.onError(error);
      return false;
    }
  }
}
