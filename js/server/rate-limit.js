// Sliding-window request counters (flood protection): at most `limit` events per key per window.
export class RateLimiter {
  constructor(limit, windowMs = 60_000) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.events = new Map();  // key -> timestamps (ms), oldest first
  }

  /** Records an event; returns 0 when allowed, else the ms to wait. */
  take(key, now = Date.now()) {
    const list = (this.events.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length >= this.limit) {
      this.events.set(key, list);
      return this.windowMs - (now - list[0]);
    }
    list.push(now);
    this.events.set(key, list);
    if (this.events.size > 100_000) this._sweep(now);
    return 0;
  }

  _sweep(now) {
    for (const [key, list] of this.events) if (!list.some((t) => now - t < this.windowMs)) this.events.delete(key);
  }
}
