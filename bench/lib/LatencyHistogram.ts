/**
 * A log-linear latency histogram in the manner of HdrHistogram: exact below 256 µs, then 128 buckets per
 * power of two (relative error under 0.8%). Constant memory whatever the run length, so a 10M-event growth
 * run records every request without keeping the samples.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128
const LINEAR = SUB * 2; // values below 256 µs get a bucket each
const MAX_EXP = 30; // 2^37 µs ~ 38 hours: far past any bench's hard time limit
const BUCKETS = LINEAR + MAX_EXP * SUB;

function bucketOf(us: number): number {
  const v = Math.max(0, Math.floor(us));
  if (v < LINEAR) return v;
  const e = Math.min(MAX_EXP, Math.floor(Math.log2(v)) - SUB_BITS);
  const i = LINEAR + (e - 1) * SUB + (Math.floor(v / 2 ** e) - SUB);
  return Math.min(BUCKETS - 1, i);
}

/** Highest value that lands in the bucket: percentiles err on the slow side, as HdrHistogram's do. */
function upperOf(index: number): number {
  if (index < LINEAR) return index;
  const e = Math.floor((index - LINEAR) / SUB) + 1;
  const sub = ((index - LINEAR) % SUB) + SUB;
  return (sub + 1) * 2 ** e - 1;
}

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private sumUs = 0;
  private minUs = Infinity;
  private maxUs = 0;

  /** Records one latency in milliseconds (as from `performance.now()` differences). */
  recordMs(ms: number): void {
    const us = ms * 1000;
    this.counts[bucketOf(us)]! += 1;
    this.n += 1;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.n += other.n;
    this.sumUs += other.sumUs;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  get count(): number {
    return this.n;
  }

  /** The latency in ms at or below which `q` (0..1) of the recorded values fall. */
  percentileMs(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.n,
      min: this.n ? this.minUs / 1000 : 0,
      mean: this.n ? this.sumUs / this.n / 1000 : 0,
      p50: this.percentileMs(0.5),
      p90: this.percentileMs(0.9),
      p99: this.percentileMs(0.99),
      p999: this.percentileMs(0.999),
      max: this.maxUs / 1000,
    };
  }
}
