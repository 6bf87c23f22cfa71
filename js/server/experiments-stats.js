// The statistics of the operator dashboard, from the summed device-day vectors of
// core/include/zhixuan/ops/metrics_report.hpp (13 values per cell: users, impressions, clicks,
// carts, purchases, revenue, their squares, clicks*impressions, purchases*clicks).
//
// Units are device-days: every device reports every day over a fixed layout, so a variant's sums
// over its cells and days are sums over units. Ratio metrics (CTR = clicks / impressions,
// CVR = purchases / clicks, revenue per user = revenue / exposed users) use the delta method:
//   Var(sum y / sum x) ~= sum_u (y_u - r x_u)^2 / (sum x)^2
//                      = (S_yy - 2 r S_xy + r^2 S_xx) / S_x^2,
// which needs only the sums the devices send. A device counted in two cells of one variant (two
// slots) is treated as two units (its cells' covariance is not sent): intervals are a little
// narrow when one user's slots move together. Revenue per user takes S_{rev*users} ~= S_rev and
// S_{users^2} = S_users (users is 0/1).
// Privacy noise: each local-noise report adds N(0, sigma_j^2) to coordinate j (n reports: n
// sigma_j^2 of extra variance); each secure cohort sum adds its survivors' distributed noise and
// rounding once (metrics-rounds.js: noiseVar per coordinate). The squared sums stay unbiased. The noise term is added
// to each variance and reported separately (`noiseShare`): the cost of privacy on the interval.
//
// Sequential test: mSPRT (Johari, Koomen, Pekelis, Walsh 2017, "Peeking at A/B tests"; the basis
// of Optimizely's Stats Engine) on the difference of means with a normal mixture N(0, tau^2):
//   Lambda_n = sqrt(V_n / (V_n + tau^2)) * exp(d_n^2 tau^2 / (2 V_n (V_n + tau^2)))
// (d_n the estimated difference, V_n its variance at look n); the always-valid p-value is
// p_n = min(p_{n-1}, 1 / Lambda_n), and rejecting when p_n <= alpha keeps the false-positive rate
// <= alpha however often one looks. Mixing variance (documented choice): tau = 5% of the control's
// mean (tau = MIXING_RELATIVE_SD * control), the effect size operators care about; Johari et al.
// show the test is valid for any tau, tau only trades power between small and large effects.
// SRM: Pearson chi-square of exposed users against the variants' weights, flagged at p < 0.001
// (the usual SRM threshold: the check runs on every look); with privacy noise the variance of
// each observed count gets its noise term added (n sigma_users^2).

export const MIXING_RELATIVE_SD = 0.05;
export const SRM_ALPHA = 0.001;
const Z975 = 1.959963984540054;

export const V = Object.freeze({ users: 0, impressions: 1, clicks: 2, carts: 3, purchases: 4, revenue: 5, impressions2: 6, clicks2: 7, carts2: 8, purchases2: 9, revenue2: 10, clicksImpressions: 11, purchasesClicks: 12 });
export const VALUES = 13;

/** Standard normal CDF (erfc from Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function normalCdf(x) {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function logGamma(x) {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log(2.5066282746310005 * ser / x);
}

/** Upper tail of the chi-square distribution with k degrees of freedom (regularized gamma Q(k/2, x/2)). */
export function chiSquareSf(x, k) {
  if (!(x > 0)) return 1;
  const a = k / 2;
  const y = x / 2;
  const gln = logGamma(a);
  if (y < a + 1) {  // series for P
    let sum = 1 / a;
    let del = sum;
    for (let n = 1; n < 500; n++) {
      del *= y / (a + n);
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-y + a * Math.log(y) - gln));
  }
  // continued fraction for Q (Lentz)
  let b = y + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-y + a * Math.log(y) - gln) * h;
}

/** An empty aggregate: sums of the 13 values, the number of reports and the summed noise variances. */
export function emptyAggregate() {
  return { sums: new Array(VALUES).fill(0), reports: 0, noiseVar: new Array(VALUES).fill(0) };
}

export function addInto(target, source) {
  for (let j = 0; j < VALUES; j++) {
    target.sums[j] += source.sums[j];
    target.noiseVar[j] += source.noiseVar[j];
  }
  target.reports += source.reports;
  return target;
}

// A ratio y / x with its delta-method variance; noise terms from the noise variances of y and x.
function ratio(s, nv, y, x, yy, xy, xx, { crossIsY = false } = {}) {
  const sx = s[x];
  const sy = s[y];
  if (!(sx > 0)) return null;
  const r = sy / sx;
  const sxy = crossIsY ? sy : s[xy];
  // The squared sums are noised too: their estimate of the data variance can come out negative
  // when the noise dominates; it is then clamped to 0 and flagged (the noise term still holds).
  const rawDataVar = (s[yy] - 2 * r * sxy + r * r * s[xx]) / (sx * sx);
  const dataVar = Math.max(0, rawDataVar);
  const noiseVar = (nv[y] + r * r * nv[x]) / (sx * sx);
  return { value: r, variance: dataVar + noiseVar, dataVariance: dataVar, noiseVariance: noiseVar, dataVarianceClamped: rawDataVar < 0 };
}

function withInterval(m) {
  if (!m) return null;
  const half = Z975 * Math.sqrt(m.variance);
  const halfWithoutNoise = Z975 * Math.sqrt(m.dataVariance);
  return { ...m, low: m.value - half, high: m.value + half, halfWidth: half, halfWidthWithoutNoise: halfWithoutNoise, noiseShare: m.variance > 0 ? m.noiseVariance / m.variance : 0 };
}

/** CTR, CVR and revenue per user with 95% intervals (normal, delta method) for one aggregate. */
export function metricsOf(agg) {
  const s = agg.sums;
  const nv = agg.noiseVar;
  return {
    users: s[V.users], impressions: s[V.impressions], clicks: s[V.clicks], carts: s[V.carts], purchases: s[V.purchases], revenue: s[V.revenue], reports: agg.reports,
    ctr: withInterval(ratio(s, nv, V.clicks, V.impressions, V.clicks2, V.clicksImpressions, V.impressions2)),
    cvr: withInterval(ratio(s, nv, V.purchases, V.clicks, V.purchases2, V.purchasesClicks, V.clicks2)),
    revenuePerUser: withInterval(ratio(s, nv, V.revenue, V.users, V.revenue2, null, V.users, { crossIsY: true })),
  };
}

/** The difference treatment - control of one metric: estimate, variance, interval, relative lift, fixed-horizon p. */
export function difference(control, treatment) {
  if (!control || !treatment) return null;
  const d = treatment.value - control.value;
  const variance = control.variance + treatment.variance;
  const se = Math.sqrt(variance);
  const p = se > 0 ? 2 * (1 - normalCdf(Math.abs(d) / se)) : 1;
  return { estimate: d, variance, low: d - Z975 * se, high: d + Z975 * se, relative: control.value !== 0 ? d / control.value : null, fixedHorizonP: p };
}

/** The mSPRT mixture likelihood ratio for an estimated difference d with variance v, mixing sd tau. */
export function msprtLambda(d, v, tau) {
  if (!(v > 0) || !(tau > 0)) return 1;
  const t2 = tau * tau;
  return Math.sqrt(v / (v + t2)) * Math.exp((d * d * t2) / (2 * v * (v + t2)));
}

/**
 * One look of the sequential test: the new always-valid p-value from the previous one.
 * @returns {{lambda: number, p: number, tau: number}}
 */
export function msprtLook(diff, controlMean, previousP = 1, relativeSd = MIXING_RELATIVE_SD) {
  if (!diff) return { lambda: 1, p: previousP, tau: 0 };
  const tau = Math.abs(controlMean) * relativeSd;
  const lambda = msprtLambda(diff.estimate, diff.variance, tau);
  return { lambda, p: Math.min(previousP, 1 / lambda), tau };
}

/**
 * Sample-ratio mismatch: observed exposed users per variant against the expected weights.
 * noiseVar: the noise variance of each observed count (0 without privacy noise).
 */
export function srmCheck(observed, weights, noiseVar = observed.map(() => 0)) {
  const total = observed.reduce((a, b) => a + b, 0);
  const wsum = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0) || observed.length < 2) return { chi2: 0, p: 1, flagged: false, expected: observed.map(() => 0) };
  let chi2 = 0;
  const expected = weights.map((w) => (total * w) / wsum);
  observed.forEach((o, i) => {
    if (expected[i] > 0) chi2 += ((o - expected[i]) ** 2) / (expected[i] + noiseVar[i]);
  });
  const p = chiSquareSf(chi2, observed.length - 1);
  return { chi2, p, flagged: p < SRM_ALPHA, expected };
}
