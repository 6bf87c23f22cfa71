// The d x d Cholesky of the fold-in systems (exact FoldIn and the incremental one), in
// double, on the lower triangle stored column-major (column k holds rows k..d-1 at
// a[k*d + k .. k*d + d-1]). Inline: both callers are compiled at -O3, and a plain loop keeps
// Eigen's blocked LLT (16 KB of wasm) out of the page module.
#pragma once

#include <cmath>
#include <cstddef>

namespace zhixuan {

// A = L L^T in place, right-looking (inner loops are contiguous axpys). False when A is
// not positive definite.
inline bool CholeskyFactorInPlace(double* a, int d) {
  for (int k = 0; k < d; ++k) {
    double* ck = a + static_cast<size_t>(k) * d;
    if (!(ck[k] > 0)) return false;
    const double lkk = std::sqrt(ck[k]);
    const double inv = 1.0 / lkk;
    ck[k] = lkk;
    for (int i = k + 1; i < d; ++i) ck[i] *= inv;
    for (int j = k + 1; j < d; ++j) {
      double* cj = a + static_cast<size_t>(j) * d;
      const double ljk = ck[j];
      for (int i = j; i < d; ++i) cj[i] -= ck[i] * ljk;
    }
  }
  return true;
}

// Solves L L^T x = y in place, L from CholeskyFactorInPlace.
inline void CholeskySolveInPlace(const double* l, int d, double* y) {
  for (int k = 0; k < d; ++k) {  // L z = y, column-oriented
    const double* col = l + static_cast<size_t>(k) * d;
    const double yk = y[k] / col[k];
    y[k] = yk;
    for (int i = k + 1; i < d; ++i) y[i] -= col[i] * yk;
  }
  for (int k = d - 1; k >= 0; --k) {  // L^T x = z: a dot product down column k
    const double* col = l + static_cast<size_t>(k) * d;
    double s0 = 0, s1 = 0;
    int i = k + 1;
    for (; i + 2 <= d; i += 2) {
      s0 += col[i] * y[i];
      s1 += col[i + 1] * y[i + 1];
    }
    if (i < d) s0 += col[i] * y[i];
    y[k] = (y[k] - (s0 + s1)) / col[k];
  }
}

}  // namespace zhixuan
