#include "zhixuan/federated/secagg_encode.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "zhixuan/federated/secagg_crypto.hpp"
#include "zhixuan/federated/secagg_dgauss.hpp"

namespace zhixuan {
namespace {

constexpr uint32_t kMaxLength = 1u << 28;
constexpr double kNoiseTailSigmas = 20.0;
constexpr double kClampFailure = 1e-6;
constexpr int kRoundingAttempts = 200;

uint32_t CoordMask(uint32_t bits) { return bits >= 32 ? 0xffffffffu : ((1u << bits) - 1); }

void WalshHadamard(double* v, uint32_t n) {
  for (uint32_t h = 1; h < n; h <<= 1)
    for (uint32_t i = 0; i < n; i += h << 1)
      for (uint32_t j = i; j < i + h; ++j) {
        const double a = v[j], b = v[j + h];
        v[j] = a + b;
        v[j + h] = a - b;
      }
  const double norm = 1.0 / std::sqrt(static_cast<double>(n));
  for (uint32_t i = 0; i < n; ++i) v[i] *= norm;
}

void PutLe(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t GetLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

StatusOr<SecAggLayout> SecAggLayoutFor(const SecAggParams& p) {
  if (p.length < 1 || p.length > kMaxLength) return InvalidArgument("secure aggregation: length must be 1..2^28");
  if (p.block_log2 > 20) return InvalidArgument("secure aggregation: block_log2 must be <= 20");
  if (!(p.clip > 0) || !std::isfinite(p.clip)) return InvalidArgument("secure aggregation: clip must be > 0");
  if (p.scale_bits < 1 || p.scale_bits > 24) return InvalidArgument("secure aggregation: scale_bits must be 1..24");
  if (p.cohort < 1 || p.cohort > 100000) return InvalidArgument("secure aggregation: cohort must be 1..100000");
  if (p.threshold < 1 || p.threshold > p.cohort) return InvalidArgument("secure aggregation: threshold must be 1..cohort");
  if (p.noise_variance > kMaxDiscreteGaussianVariance) return InvalidArgument("secure aggregation: noise variance over 2^48");
  SecAggLayout layout;
  uint32_t block = 1;
  while (block < p.length && block < (1u << p.block_log2)) block <<= 1;
  layout.block = block;
  const uint64_t blocks = (p.length + block - 1) / block;
  layout.padded = static_cast<uint32_t>(blocks * block);
  const double cs = std::ldexp(1.0, static_cast<int>(p.scale_bits));
  layout.scale = cs / p.clip;
  const double c = std::sqrt(2.0 * std::log(2.0 * layout.padded / kClampFailure));
  layout.linf = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c * cs / std::sqrt(static_cast<double>(block)))));
  layout.linf = std::min<int64_t>(layout.linf, static_cast<int64_t>(std::ceil(cs)));  // |x_i| <= ||x|| <= C s anyway
  const double padded = layout.padded;
  layout.l2_bound = std::sqrt(cs * cs + padded / 4 + cs + std::sqrt(padded) / 2);
  const double n = p.cohort;
  const double reach = n * static_cast<double>(layout.linf) + kNoiseTailSigmas * std::sqrt(n * static_cast<double>(p.noise_variance));
  uint32_t bits = 2;
  while (bits <= 32 && std::ldexp(1.0, static_cast<int>(bits) - 1) <= reach + 1) ++bits;
  if (bits > 32) return InvalidArgument("secure aggregation: the cohort's sum needs more than 32 bits (lower scale_bits or the cohort)");
  layout.bits = bits;
  layout.effective_noise_multiplier = std::sqrt(static_cast<double>(p.threshold) * static_cast<double>(p.noise_variance)) / layout.l2_bound;
  layout.masked_bytes = 24 + (static_cast<size_t>(layout.padded) * bits + 7) / 8;
  return layout;
}

uint64_t SecAggNoiseVariance(double noise_multiplier, uint32_t scale_bits, uint32_t threshold) {
  if (!(noise_multiplier > 0) || threshold == 0) return 0;
  const double sigma = noise_multiplier * std::ldexp(1.0, static_cast<int>(scale_bits));
  const double per_device = std::ceil(sigma * sigma / threshold);
  if (!(per_device < static_cast<double>(kMaxDiscreteGaussianVariance))) return kMaxDiscreteGaussianVariance + 1;  // rejected by the layout
  return std::max<uint64_t>(4, static_cast<uint64_t>(per_device));
}

void SecAggRotate(std::vector<double>& v, const SecAggParams& params, const SecAggLayout& layout, bool inverse) {
  CryptoRandom signs(params.rotation_seed);
  for (uint32_t start = 0; start < layout.padded; start += layout.block) {
    double* block = v.data() + start;
    uint32_t word = 0;
    std::vector<bool> flip(layout.block);
    for (uint32_t i = 0; i < layout.block; ++i) {
      if (i % 32 == 0) word = signs.NextU32();
      flip[i] = (word >> (i % 32)) & 1;
    }
    if (!inverse)
      for (uint32_t i = 0; i < layout.block; ++i) block[i] = flip[i] ? -block[i] : block[i];
    WalshHadamard(block, layout.block);  // orthonormal and symmetric: its own inverse
    if (inverse)
      for (uint32_t i = 0; i < layout.block; ++i) block[i] = flip[i] ? -block[i] : block[i];
  }
}

StatusOr<std::vector<uint32_t>> SecAggQuantize(const std::vector<float>& values, const SecAggParams& params,
                                               const SecAggKey& noise_seed) {
  auto layout = SecAggLayoutFor(params);
  if (!layout.ok()) return layout.status();
  if (values.size() != params.length)
    return InvalidArgument("secure aggregation: the update has " + std::to_string(values.size()) + " values, the round " + std::to_string(params.length));
  double norm_sq = 0;
  for (float v : values) {
    if (!std::isfinite(v)) return InvalidArgument("secure aggregation: the update has a non-finite value");
    norm_sq += static_cast<double>(v) * v;
  }
  const double norm = std::sqrt(norm_sq);
  const double shrink = norm > params.clip ? params.clip / norm : 1.0;
  std::vector<double> x(layout->padded, 0.0);
  for (size_t i = 0; i < values.size(); ++i) x[i] = values[i] * shrink * layout->scale;
  SecAggRotate(x, params, *layout, false);
  const double l = static_cast<double>(layout->linf);
  for (double& v : x) v = std::clamp(v, -l, l);

  CryptoRandom random(noise_seed);
  std::vector<int64_t> rounded(layout->padded);
  const double bound_sq = layout->l2_bound * layout->l2_bound;
  bool fits = false;
  for (int attempt = 0; attempt < kRoundingAttempts && !fits; ++attempt) {
    double sq = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double lower = std::floor(x[i]);
      const double frac = x[i] - lower;
      const bool up = static_cast<double>(random.NextU32()) < frac * 4294967296.0;
      rounded[i] = static_cast<int64_t>(lower) + (up ? 1 : 0);
      sq += static_cast<double>(rounded[i]) * rounded[i];
    }
    fits = sq <= bound_sq;
  }
  if (!fits) return Status(StatusCode::kInternal, "secure aggregation: conditional rounding did not meet its bound");
  const uint32_t mask = CoordMask(layout->bits);
  std::vector<uint32_t> out(layout->padded);
  if (params.noise_variance > 0) {
    NoiseSampler noise(params.noise_variance, random);
    for (size_t i = 0; i < rounded.size(); ++i) rounded[i] += noise.Next();
  }
  for (size_t i = 0; i < rounded.size(); ++i) out[i] = static_cast<uint32_t>(static_cast<uint64_t>(rounded[i])) & mask;
  return out;
}

SecAggKey MaskStreamKey(const SecAggKey& secret, MaskKind kind, uint64_t round_id, uint32_t u, uint32_t v) {
  if (kind == MaskKind::kPair && u > v) std::swap(u, v);
  static const char kSalt[] = "zhixuan secagg v1";
  std::vector<uint8_t> info;
  info.push_back(static_cast<uint8_t>(kind));
  PutLe(info, round_id, 8);
  PutLe(info, u, 4);
  PutLe(info, v, 4);
  const std::vector<uint8_t> okm = HkdfSha256(std::vector<uint8_t>(secret.begin(), secret.end()),
                                              std::vector<uint8_t>(kSalt, kSalt + sizeof kSalt - 1), info, 32);
  SecAggKey key{};
  std::copy(okm.begin(), okm.end(), key.begin());
  return key;
}

void AddMaskStreams(std::vector<uint32_t>& acc, const std::vector<MaskStream>& streams) {
  static const std::array<uint8_t, 12> kNonce{'z', 'x', '-', 'm', 'a', 's', 'k', 0, 0, 0, 0, 0};
  std::vector<ChaCha20> chacha;
  chacha.reserve(streams.size());
  for (const MaskStream& s : streams) chacha.emplace_back(s.key, kNonce);
  // Chunk by chunk, every stream into the chunk while it is in L1: one pass over the vector.
  constexpr size_t kWide = 16 * ChaCha20::kWideBlocks;
  constexpr size_t kChunk = 32 * kWide;  // 8 KiB
  const size_t whole = acc.size() / kWide * kWide;
  for (size_t start = 0; start < whole; start += kChunk) {
    const size_t end = std::min(whole, start + kChunk);
    for (size_t s = 0; s < streams.size(); ++s)
      for (size_t i = start; i < end; i += kWide) chacha[s].AddBlocksWords(acc.data() + i, streams[s].subtract);
  }
  for (size_t s = 0; s < streams.size(); ++s) {
    uint32_t words[16];
    for (size_t i = whole; i < acc.size(); i += 16) {
      chacha[s].NextBlockWords(words);
      const size_t n = std::min<size_t>(16, acc.size() - i);
      for (size_t j = 0; j < n; ++j) acc[i + j] = streams[s].subtract ? acc[i + j] - words[j] : acc[i + j] + words[j];
    }
  }
}

void AddMaskStream(std::vector<uint32_t>& acc, const SecAggKey& stream_key, bool subtract) {
  AddMaskStreams(acc, {MaskStream{stream_key, subtract}});
}

std::vector<uint8_t> PackMaskedInput(uint64_t round_id, uint32_t sender, uint32_t bits, const std::vector<uint32_t>& coords) {
  std::vector<uint8_t> out = {'Z', 'X', 'S', 'M', 1, static_cast<uint8_t>(bits), 0, 0};
  PutLe(out, round_id, 8);
  PutLe(out, sender, 4);
  PutLe(out, coords.size(), 4);
  const size_t header = out.size();
  const size_t payload = (coords.size() * bits + 7) / 8;
  out.resize(header + payload, 0);
  const uint32_t mask = CoordMask(bits);
  // 32 bits leave at a time: acc holds fewer than 32 pending bits before each coordinate joins.
  uint64_t acc = 0;
  int filled = 0;
  uint8_t* at = out.data() + header;
  for (uint32_t c : coords) {
    acc |= static_cast<uint64_t>(c & mask) << filled;
    filled += static_cast<int>(bits);
    if (filled >= 32) {
      const uint32_t word = static_cast<uint32_t>(acc);
      for (int b = 0; b < 4; ++b) at[b] = static_cast<uint8_t>(word >> (8 * b));  // little-endian on any host
      at += 4;
      acc >>= 32;
      filled -= 32;
    }
  }
  for (int b = 0; filled > 0; ++b, filled -= 8) *at++ = static_cast<uint8_t>(acc >> (8 * b));
  return out;
}

namespace {

uint32_t LoadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// The packed coordinates of a masked input's payload, 32 bits read at a time (the last word
// zero-filled past the end): visit(i, coordinate) for each.
template <typename Visit>
void ReadPacked(const uint8_t* payload, size_t size, uint32_t bits, uint32_t count, Visit visit) {
  const uint32_t mask = CoordMask(bits);
  uint64_t acc = 0;
  int filled = 0;
  size_t at = 0;
  const size_t whole = size / 4 * 4;
  for (uint32_t i = 0; i < count; ++i) {
    if (filled < static_cast<int>(bits)) {
      uint32_t word = 0;
      if (at < whole) {
        word = LoadLe32(payload + at);
      } else {
        for (size_t b = 0; at + b < size && b < 4; ++b) word |= static_cast<uint32_t>(payload[at + b]) << (8 * b);
      }
      acc |= static_cast<uint64_t>(word) << filled;
      at += 4;
      filled += 32;
    }
    visit(i, static_cast<uint32_t>(acc) & mask);
    acc >>= bits;
    filled -= static_cast<int>(bits);
  }
}

// The bits of the last byte past the last coordinate (the payload is exactly ceil(count k / 8) bytes).
bool PaddingIsZero(const uint8_t* payload, size_t size, uint32_t bits, uint32_t count) {
  const int used = static_cast<int>((static_cast<uint64_t>(count) * bits) % 8);
  return size == 0 || used == 0 || (payload[size - 1] >> used) == 0;
}

// The header checks of a masked input: everything but the coordinates (its length and padding included).
Status CheckMaskedHeader(const uint8_t* bytes, size_t size, const SecAggParams& params, const SecAggLayout& layout, uint32_t* sender) {
  auto bad = [](const std::string& what) { return Status(StatusCode::kMalformedPayload, "masked input: " + what); };
  if (size < 24) return bad("truncated header");
  if (bytes[0] != 'Z' || bytes[1] != 'X' || bytes[2] != 'S' || bytes[3] != 'M') return bad("bad magic");
  if (bytes[4] != 1) return bad("unknown format version");
  if (bytes[5] != layout.bits) return bad("k is " + std::to_string(bytes[5]) + ", the round's is " + std::to_string(layout.bits));
  if (bytes[6] != 0 || bytes[7] != 0) return bad("reserved bytes are not zero");
  if (GetLe(bytes + 8, 8) != params.round_id) return bad("for another round");
  if (sender) *sender = static_cast<uint32_t>(GetLe(bytes + 16, 4));
  if (GetLe(bytes + 20, 4) != layout.padded) return bad("wrong coordinate count");
  if (size != layout.masked_bytes) return bad(std::to_string(size) + " bytes, expected " + std::to_string(layout.masked_bytes));
  if (!PaddingIsZero(bytes + 24, size - 24, layout.bits, layout.padded)) return bad("padding bits are not zero");
  return Status();
}

}  // namespace

StatusOr<std::vector<uint32_t>> UnpackMaskedInput(const uint8_t* bytes, size_t size, const SecAggParams& params,
                                                  const SecAggLayout& layout, uint32_t* sender) {
  Status header = CheckMaskedHeader(bytes, size, params, layout, sender);
  if (!header.ok()) return header;
  std::vector<uint32_t> coords(layout.padded);
  ReadPacked(bytes + 24, size - 24, layout.bits, layout.padded, [&](uint32_t i, uint32_t c) { coords[i] = c; });
  return coords;
}

StatusOr<std::vector<uint8_t>> SecAggMaskedInput(const std::vector<float>& values, const SecAggParams& params,
                                                 uint32_t sender, const SecAggKey& noise_seed, const SecAggKey& self_seed,
                                                 const std::vector<PairSecret>& pairs) {
  auto layout = SecAggLayoutFor(params);
  if (!layout.ok()) return layout.status();
  if (sender == 0) return InvalidArgument("secure aggregation: sender index must be >= 1");
  auto coords = SecAggQuantize(values, params, noise_seed);
  if (!coords.ok()) return coords.status();
  std::vector<MaskStream> streams{{MaskStreamKey(self_seed, MaskKind::kSelf, params.round_id, sender, 0), false}};
  for (const PairSecret& pair : pairs) {
    if (pair.peer == sender || pair.peer == 0) return InvalidArgument("secure aggregation: a pair names the sender itself or index 0");
    streams.push_back({MaskStreamKey(pair.secret, MaskKind::kPair, params.round_id, sender, pair.peer), sender > pair.peer});
  }
  AddMaskStreams(*coords, streams);
  return PackMaskedInput(params.round_id, sender, layout->bits, *coords);
}

StatusOr<std::vector<double>> SecAggDecode(const std::vector<uint32_t>& modular, const SecAggParams& params) {
  auto layout = SecAggLayoutFor(params);
  if (!layout.ok()) return layout.status();
  if (modular.size() != layout->padded) return InvalidArgument("secure aggregation: the sum has the wrong length");
  const uint32_t mask = CoordMask(layout->bits);
  const int64_t modulus = int64_t{1} << layout->bits;
  std::vector<double> v(layout->padded);
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t c = modular[i] & mask;
    if (c >= modulus / 2) c -= modulus;
    v[i] = static_cast<double>(c);
  }
  SecAggRotate(v, params, *layout, true);
  v.resize(params.length);
  for (double& x : v) x /= layout->scale;
  return v;
}

StatusOr<SecAggUnmasker> SecAggUnmasker::Create(const SecAggParams& params) {
  auto layout = SecAggLayoutFor(params);
  if (!layout.ok()) return layout.status();
  return SecAggUnmasker(params, *layout);
}

bool SecAggUnmasker::IsSender(uint32_t index) const { return std::binary_search(senders_.begin(), senders_.end(), index); }

Status SecAggUnmasker::AddMasked(const uint8_t* bytes, size_t size, const SecAggKey& self_seed) {
  uint32_t sender = 0;
  Status header = CheckMaskedHeader(bytes, size, params_, layout_, &sender);
  if (!header.ok()) return header;
  if (IsSender(sender)) return InvalidArgument("secure aggregation: two masked inputs from one sender");
  if (std::binary_search(corrected_dropped_.begin(), corrected_dropped_.end(), sender))
    return InvalidArgument("secure aggregation: a correction named this survivor as dropped");
  // Added straight from the bytes, no copy of the coordinates.
  uint32_t* sum = sum_.data();
  ReadPacked(bytes + 24, size - 24, layout_.bits, layout_.padded, [sum](uint32_t i, uint32_t c) { sum[i] += c; });
  senders_.insert(std::upper_bound(senders_.begin(), senders_.end(), sender), sender);
  AddMaskStream(sum_, MaskStreamKey(self_seed, MaskKind::kSelf, params_.round_id, sender, 0), true);
  return Status();
}

Status SecAggUnmasker::AddCorrection(const PairCorrection& c) {
  if (!IsSender(c.survivor)) return InvalidArgument("secure aggregation: a correction names a device that sent no masked input");
  if (IsSender(c.dropped)) return InvalidArgument("secure aggregation: a correction names a survivor as dropped");
  auto at = std::lower_bound(corrected_dropped_.begin(), corrected_dropped_.end(), c.dropped);
  if (at == corrected_dropped_.end() || *at != c.dropped) corrected_dropped_.insert(at, c.dropped);
  // The survivor added sign(survivor, dropped) PRG(s); take it back out.
  AddMaskStream(sum_, MaskStreamKey(c.secret, MaskKind::kPair, params_.round_id, c.survivor, c.dropped), c.survivor < c.dropped);
  return Status();
}

StatusOr<UnmaskedSum> SecAggUnmasker::Finish() {
  if (senders_.size() < params_.threshold)
    return InvalidArgument("secure aggregation: " + std::to_string(senders_.size()) + " survivors, the threshold is " + std::to_string(params_.threshold));
  const uint32_t mask = CoordMask(layout_.bits);
  std::vector<uint32_t> sum = sum_;
  for (uint32_t& v : sum) v &= mask;
  auto values = SecAggDecode(sum, params_);
  if (!values.ok()) return values.status();
  return UnmaskedSum{std::move(sum), std::move(*values)};
}

StatusOr<UnmaskedSum> SecAggUnmask(const SecAggParams& params, const std::vector<std::vector<uint8_t>>& masked_inputs,
                                   const std::vector<SecAggKey>& self_seeds, const std::vector<PairCorrection>& corrections) {
  if (masked_inputs.size() != self_seeds.size()) return InvalidArgument("secure aggregation: one self seed per masked input");
  auto unmasker = SecAggUnmasker::Create(params);
  if (!unmasker.ok()) return unmasker.status();
  for (size_t m = 0; m < masked_inputs.size(); ++m) {
    Status added = unmasker->AddMasked(masked_inputs[m].data(), masked_inputs[m].size(), self_seeds[m]);
    if (!added.ok()) return added;
  }
  for (const PairCorrection& c : corrections) {
    Status added = unmasker->AddCorrection(c);
    if (!added.ok()) return added;
  }
  return unmasker->Finish();
}

}  // namespace zhixuan
