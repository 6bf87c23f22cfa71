#include "zhixuan/profile/fast_foldin.hpp"

#include <algorithm>
#include <cmath>

#include "zhixuan/base/cholesky.hpp"

namespace zhixuan {

StatusOr<IncrementalFoldIn> IncrementalFoldIn::Create(const Model* model, FoldInParams params) {
  if (model == nullptr) return Status(StatusCode::kInternal, "incremental fold-in needs a model");
  const int d = model->items.dim();
  if (d <= 0) return Status(StatusCode::kInternal, "incremental fold-in: the model has no dimension");
  IncrementalFoldIn f;
  f.model_ = model;
  f.items_ = &model->items;
  f.params_ = params;
  f.dim_ = d;
  f.a_.resize(static_cast<size_t>(d) * d);
  f.l_.resize(static_cast<size_t>(d) * d);
  f.b_.resize(d);
  f.scratch_.resize(d);
  f.scratch2_.resize(d);
  f.Clear();
  return f;
}

double IncrementalFoldIn::CurrentReg() const {
  const double n_total = static_cast<double>(confidence_.size()) +
                         static_cast<double>(params_.unobserved_weight) * static_cast<double>(items_->rows());
  // Same float arithmetic as FoldIn so both see the same lambda_u.
  return static_cast<double>(params_.reg * static_cast<float>(std::pow(n_total, params_.reg_exponent)));
}

void IncrementalFoldIn::Clear() {
  const int d = dim_;
  std::fill(a_.begin(), a_.end(), 0.0);
  gram_added_ = false;
  confidence_.clear();
  applied_reg_ = CurrentReg();
  for (int k = 0; k < d; ++k) a_[static_cast<size_t>(k) * d + k] += applied_reg_;
  std::fill(b_.begin(), b_.end(), 0.0);
  factor_valid_ = false;
}

double IncrementalFoldIn::confidence(int32_t row) const {
  auto it = confidence_.find(row);
  return it == confidence_.end() ? 0.0 : it->second;
}

// A += delta v v^T on the lower triangle (column-major, rows j..d-1 of column j).
void IncrementalFoldIn::RankOneA(const double* v, double delta) {
  const int d = dim_;
  for (int j = 0; j < d; ++j) {
    const double s = delta * v[j];
    double* col = a_.data() + static_cast<size_t>(j) * d;
    for (int i = j; i < d; ++i) col[i] += s * v[i];
  }
}

// L L^T + delta v v^T, in place on L (the classic cholupdate / choldowndate sweep).
bool IncrementalFoldIn::RankOneFactor(const double* v, double delta) {
  const int d = dim_;
  const double scale = std::sqrt(std::fabs(delta));
  const double sign = delta > 0 ? 1.0 : -1.0;
  double* w = scratch2_.data();
  for (int i = 0; i < d; ++i) w[i] = scale * v[i];
  for (int k = 0; k < d; ++k) {
    double* col = l_.data() + static_cast<size_t>(k) * d;
    const double lkk = col[k];
    const double r2 = lkk * lkk + sign * w[k] * w[k];
    if (!(r2 > 1e-12 * lkk * lkk)) return false;
    const double r = std::sqrt(r2);
    const double c = r / lkk, s = w[k] / lkk, inv_c = 1.0 / c, ss = sign * s;
    col[k] = r;
    for (int i = k + 1; i < d; ++i) {
      const double lik = (col[i] + ss * w[i]) * inv_c;
      col[i] = lik;
      w[i] = c * w[i] - s * lik;
    }
  }
  return true;
}

// Refactors A (with the current reg) into L when an update invalidated it.
Status IncrementalFoldIn::EnsureFactor() {
  const double reg = CurrentReg();
  const int d = dim_;
  if (reg != applied_reg_) {
    for (int k = 0; k < d; ++k) a_[static_cast<size_t>(k) * d + k] += reg - applied_reg_;
    applied_reg_ = reg;
    factor_valid_ = false;
  }
  if (factor_valid_) return Status::Ok();
  if (!gram_added_) {
    const std::vector<float>& gram = GramOf(*model_);
    if (static_cast<int64_t>(gram.size()) != int64_t{d} * d) return Status(StatusCode::kInternal, "incremental fold-in: gram has the wrong size");
    const double w0 = params_.unobserved_weight;
    for (size_t i = 0; i < a_.size(); ++i) a_[i] += w0 * static_cast<double>(gram[i]);
    gram_added_ = true;
  }
  std::copy(a_.begin(), a_.end(), l_.begin());
  if (!CholeskyFactorInPlace(l_.data(), d)) return InvalidArgument("fold-in system is not positive definite (raise reg)");
  factor_valid_ = true;
  updates_since_refactor_ = 0;
  ++refactor_count_;
  return Status::Ok();
}

void IncrementalFoldIn::SolveInPlace(double* y) const { CholeskySolveInPlace(l_.data(), dim_, y); }

Status IncrementalFoldIn::SetWeight(int32_t row, double weight) {
  if (row < 0 || row >= items_->rows()) return InvalidArgument("fold-in history row " + std::to_string(row) + " is out of range");
  if (!std::isfinite(weight)) return InvalidArgument("fold-in weight is NaN or Inf");
  const double c_new_raw = 1.0 + static_cast<double>(params_.alpha) * weight;
  const double c_new = c_new_raw > 0 ? c_new_raw : 0.0;
  const double c_old = confidence(row);
  if (c_new == c_old) return Status::Ok();
  const double delta = Term(c_new) - Term(c_old);
  const bool count_changes = (c_new > 0) != (c_old > 0);
  if (c_new > 0) confidence_[row] = c_new;
  else confidence_.erase(row);

  std::vector<float> vf(dim_);
  items_->RowToF32(row, vf.data());
  double* v = scratch_.data();
  for (int j = 0; j < dim_; ++j) v[j] = vf[j];
  for (int j = 0; j < dim_; ++j) b_[j] += (c_new - c_old) * v[j];
  if (delta == 0) return Status::Ok();
  RankOneA(v, delta);
  const bool reg_moves = count_changes && params_.reg_exponent != 0.f;
  if (factor_valid_ && !reg_moves && ++updates_since_refactor_ < kRefactorEvery) {
    if (!RankOneFactor(v, delta)) factor_valid_ = false;
  } else {
    factor_valid_ = false;
  }
  return Status::Ok();
}

Status IncrementalFoldIn::Reset(const int32_t* rows, const double* weights, int64_t count) {
  Clear();
  const int d = dim_;
  std::vector<float> vf(d);
  double* v = scratch_.data();
  for (int64_t n = 0; n < count; ++n) {
    const int32_t row = rows[n];
    if (row < 0 || row >= items_->rows()) return InvalidArgument("fold-in history row " + std::to_string(row) + " is out of range");
    if (!std::isfinite(weights[n])) return InvalidArgument("fold-in weight is NaN or Inf");
    if (confidence_.count(row)) return InvalidArgument("fold-in history row " + std::to_string(row) + " appears twice");
    const double c = 1.0 + static_cast<double>(params_.alpha) * weights[n];
    if (c <= 0) continue;
    confidence_[row] = c;
    items_->RowToF32(row, vf.data());
    for (int j = 0; j < d; ++j) v[j] = vf[j];
    RankOneA(v, Term(c));
    for (int j = 0; j < d; ++j) b_[j] += c * v[j];
  }
  factor_valid_ = false;
  return Status::Ok();
}

StatusOr<std::vector<float>> IncrementalFoldIn::Solve() {
  std::vector<float> x(dim_, 0.f);
  if (confidence_.empty()) return x;
  ZX_RETURN_IF_ERROR(EnsureFactor());
  double* y = scratch_.data();
  std::copy(b_.begin(), b_.end(), y);
  SolveInPlace(y);
  for (int j = 0; j < dim_; ++j) x[j] = static_cast<float>(y[j]);
  return x;
}

StatusOr<std::vector<std::pair<int32_t, double>>> IncrementalFoldIn::Contributions(int32_t item_row) {
  if (item_row < 0 || item_row >= items_->rows()) return Status(StatusCode::kUnknownItem, "item row is out of range");
  std::vector<std::pair<int32_t, double>> out;
  if (confidence_.empty()) return out;
  ZX_RETURN_IF_ERROR(EnsureFactor());
  std::vector<float> vf(dim_);
  items_->RowToF32(item_row, vf.data());
  std::vector<double> z(vf.begin(), vf.end());
  SolveInPlace(z.data());  // A is symmetric, so v_i^T A^{-1} v_item = v_i . z
  out.reserve(confidence_.size());
  for (const auto& [row, c] : confidence_) {
    items_->RowToF32(row, vf.data());
    double dot = 0;
    for (int j = 0; j < dim_; ++j) dot += static_cast<double>(vf[j]) * z[j];
    out.emplace_back(row, c * dot);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace zhixuan
