#include "fuzz_entries.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zhixuan/base/crc32.hpp"
#include "zhixuan/base/json_reader.hpp"
#include "zhixuan/base/utf8.hpp"
#include "zhixuan/federated/federated.hpp"
#include "zhixuan/federated/payload.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/model/safetensors.hpp"
#include "zhixuan/profile/profile.hpp"
#include "zhixuan/profile/profile_blob.hpp"
#include "zhixuan/profile/profile_store.hpp"
#include "zhixuan/text/tokenizer.hpp"
#include "zhixuan/train/factor_import.hpp"
#include "zhixuan/train/interactions.hpp"

namespace zhixuan::fuzz {
namespace {

// Names a broken invariant on stderr (the harness then traps; the Catch2 test shows it too).
bool Broken(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  return false;
}

std::string AsText(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A copy in a buffer of its own, so a read past the input's end is a heap overflow ASan sees.
std::shared_ptr<const uint8_t> OwnedCopy(const uint8_t* data, size_t size) {
  std::shared_ptr<uint8_t> copy(new uint8_t[size ? size : 1], std::default_delete<uint8_t[]>());
  if (size) std::memcpy(copy.get(), data, size);
  return copy;
}

// Visits every value; false when a string is not valid UTF-8 or a container's text does not
// lie inside the document.
bool WalkJson(const JsonValue& value, std::string_view text) {
  switch (value.type()) {
    case JsonType::kNull: return true;
    case JsonType::kBool: (void)value.as_bool(); return true;
    case JsonType::kNumber:
      if (value.is_integer()) (void)value.as_int64();
      return std::isfinite(value.as_double());
    case JsonType::kString: {
      const std::string_view s = value.as_string();
      return IsValidUtf8(s.data(), s.size());
    }
    case JsonType::kArray:
    case JsonType::kObject: {
      const std::string_view raw = value.raw_json();
      if (raw.empty() || raw.data() < text.data() || raw.data() + raw.size() > text.data() + text.size()) return false;
      uint32_t count = 0;
      if (value.is_array()) {
        for (JsonValue element : value.elements()) {
          if (!WalkJson(element, text)) return false;
          ++count;
        }
      } else {
        for (auto member : value.members()) {
          if (!IsValidUtf8(member.key.data(), member.key.size()) || !WalkJson(member.value, text)) return false;
          if (!value.Find(member.key).exists()) return false;
          ++count;
        }
      }
      return count == value.size();
    }
  }
  return false;
}

}  // namespace

const Recommender& ProfileRecommender() {
  static const std::unique_ptr<Recommender> rec = [] {
    const int items = 40, dim = 16;
    std::vector<float> rows(static_cast<size_t>(items) * dim, 0.01f);
    std::vector<std::string> ids;
    std::string catalog = R"({"items":[)";
    for (int i = 0; i < items; ++i) {
      rows[static_cast<size_t>(i) * dim + (i % 2)] += 1.f;
      ids.push_back("item" + std::to_string(i));
      catalog += (i ? "," : "") + std::string(R"({"id":"item)") + std::to_string(i) + R"(","tags":[")" +
                 (i % 2 ? "design" : "python") + R"("],"price":)" + std::to_string(10 * (i + 1)) +
                 (i < 2 ? R"(,"aliases":{"mini-program":"mp_)" + std::to_string(i) + "\"}" : std::string()) + "}";
    }
    catalog += "]}";
    FoldInParams params;
    params.alpha = 4.f;
    params.unobserved_weight = 0.1f;
    auto model = MakeModel(ids, rows.data(), dim, DType::kF32, params, "checkerboard-1");
    auto rec = Recommender::Create(std::move(model).value(), ParseCatalog(catalog).value());
    return std::move(rec).value();
  }();
  return *rec;
}

namespace {

constexpr double kNow = kFuzzNow;

// The input with its trailing CRC-32 made right: the framed formats end in a checksum a fuzzer
// rarely guesses, and what lies behind it (the JSON, the values) is what needs exploring.
std::vector<uint8_t> WithValidCrc(const uint8_t* data, size_t size) {
  std::vector<uint8_t> fixed(data, data + size);
  if (size >= 4) {
    const uint32_t crc = Crc32(data, size - 4);
    for (int i = 0; i < 4; ++i) fixed[size - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  return fixed;
}

bool SameHistory(const EventHistory& a, const EventHistory& b) {
  if (a.events().size() != b.events().size() || a.aggregates() != b.aggregates()) return false;
  for (size_t i = 0; i < a.events().size(); ++i)
    if (a.events()[i].id != b.events()[i].id || a.events()[i].item != b.events()[i].item) return false;
  return true;
}

// Records framed for the store harness: u8 kind (bit 0: 0 snapshot, 1 log record; bit 1: make
// its CRC right) | u16 length
// (little-endian) | that many bytes (fewer when the input ends first).
void SplitRecords(const uint8_t* data, size_t size, std::vector<ByteRecord>* snapshots, std::vector<ByteRecord>* log) {
  size_t pos = 0;
  while (pos + 3 <= size) {
    const bool is_log = data[pos] & 1;
    const bool fix_crc = data[pos] & 2;
    const size_t length = std::min<size_t>(data[pos + 1] | (data[pos + 2] << 8), size - pos - 3);
    pos += 3;
    (is_log ? log : snapshots)->push_back(fix_crc ? WithValidCrc(data + pos, length) : ByteRecord(data + pos, data + pos + length));
    pos += length;
  }
}

}  // namespace

bool FuzzSafetensors(const uint8_t* data, size_t size) {
  const auto owned = OwnedCopy(data, size);
  auto parsed = ParseSafetensors(owned.get(), size);
  if (!parsed.ok()) return true;
  std::map<std::string, TensorData> tensors;
  for (const auto& [name, view] : parsed->tensors) {
    if (view.data + view.size_bytes > owned.get() + size || view.data < owned.get()) return false;
    if (static_cast<size_t>(view.element_count()) * DTypeSize(view.dtype) != view.size_bytes) return false;
    tensors[name] = TensorData{view.dtype, view.shape, std::vector<uint8_t>(view.data, view.data + view.size_bytes)};
  }
  const std::vector<uint8_t> written = WriteSafetensors(tensors, parsed->metadata);
  auto again = ParseSafetensors(written.data(), written.size());
  if (!again.ok() || again->tensors.size() != tensors.size() || again->metadata != parsed->metadata) return false;
  for (const auto& [name, view] : again->tensors) {
    const TensorData& before = tensors.at(name);
    if (view.shape != before.shape || view.dtype != before.dtype || view.size_bytes != before.bytes.size() ||
        (view.size_bytes && std::memcmp(view.data, before.bytes.data(), view.size_bytes) != 0))
      return false;
  }
  return true;
}

bool FuzzBundle(const uint8_t* data, size_t size) {
  auto copied = LoadModel(data, size);
  auto adopted = LoadModel(OwnedCopy(data, size), size);
  if (copied.ok() != adopted.ok()) return Broken("LoadModel copied and adopted disagree");

  BundleLoader loader;
  Status stepped = loader.Begin(OwnedCopy(data, size), size);
  if (stepped.ok()) {
    const auto [begin, end] = loader.IdTensorBytes();
    if (begin > end || end > size) return false;
    stepped = loader.ReadManifest();
    if (stepped.ok()) {
      auto finished = loader.Finish();
      stepped = finished.ok() ? Status::Ok() : finished.status();
    }
  }
  if (stepped.ok() != copied.ok())
    return Broken("BundleLoader (" + stepped.ToString() + ") and LoadModel (" +
                  (copied.ok() ? std::string("ok") : copied.status().ToString()) + ") disagree");
  if (!copied.ok()) return true;

  const Model& model = copied.value();
  const std::vector<uint8_t> saved = SaveModel(model);
  auto reloaded = LoadModel(saved.data(), saved.size());
  if (!reloaded.ok()) return Broken("a saved model does not load: " + reloaded.status().ToString());
  return reloaded->items.rows() == model.items.rows() && reloaded->manifest.dim == model.manifest.dim &&
         reloaded->manifest.item_ids.size() == model.manifest.item_ids.size();
}

bool FuzzJson(const uint8_t* data, size_t size) {
  const std::string text = AsText(data, size);
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(text, &error)) return !error.empty();
  return doc.root().exists() && WalkJson(doc.root(), text);
}

bool FuzzCatalog(const uint8_t* data, size_t size) {
  const std::string text = AsText(data, size);
  (void)ParseCatalogItemJson(text);
  (void)ParseFilterJson(text);
  auto catalog = ParseCatalog(text);
  if (!catalog.ok()) return true;
  for (const CatalogItem& item : catalog->items) {
    if (catalog->find(item.id) == nullptr) return false;
    if (!IsValidUtf8(item.title.data(), item.title.size()) || item.title.size() > kMaxTitleBytes) return false;
    if (!IsValidUtf8(item.description.data(), item.description.size()) || item.description.size() > kMaxDescriptionBytes)
      return false;
  }
  return true;
}

bool FuzzProfileBlob(const uint8_t* data, size_t size) {
  (void)DecodeProfileBlob(OwnedCopy(data, size).get(), size);
  const std::vector<uint8_t> fixed = WithValidCrc(data, size);
  auto blob = DecodeProfileBlob(OwnedCopy(fixed.data(), size).get(), size);
  if (!blob.ok()) return true;
  const std::vector<uint8_t> encoded = EncodeProfileBlob(blob->history, blob->kind, blob->seq, blob->model_version);
  auto again = DecodeProfileBlob(encoded.data(), encoded.size());
  return again.ok() && again->seq == blob->seq && again->kind == blob->kind &&
         again->model_version == blob->model_version && SameHistory(again->history, blob->history);
}

bool FuzzProfileStore(const uint8_t* data, size_t size) {
  (void)DecodeLogRecord(OwnedCopy(data, size).get(), size);
  {
    const std::vector<uint8_t> fixed = WithValidCrc(data, size);
    auto record = DecodeLogRecord(OwnedCopy(fixed.data(), size).get(), size);
    if (record.ok()) {
      const std::vector<uint8_t> encoded = EncodeLogRecord(record->seq, record->event);
      auto again = DecodeLogRecord(encoded.data(), encoded.size());
      if (!again.ok() || again->seq != record->seq || again->event.id != record->event.id) return false;
    }
  }
  std::vector<ByteRecord> snapshots, log;
  SplitRecords(data, size, &snapshots, &log);
  const RecoveredProfile recovered = RecoverProfile(snapshots, log);
  if (recovered.snapshot_seq > recovered.last_seq) return false;
  auto profile = Profile::Create(&ProfileRecommender());
  if (!profile.ok()) return false;
  std::vector<std::string> warnings;
  (void)profile.value()->Restore(snapshots, log, &warnings);
  return true;
}

bool FuzzPayload(const uint8_t* data, size_t size) {
  DecodeLimits limits;
  limits.max_bytes = 1 << 20;
  (void)DecodeUpdate(OwnedCopy(data, size).get(), size, limits);
  const std::vector<uint8_t> fixed = WithValidCrc(data, size);
  data = fixed.data();
  auto decoded = DecodeUpdate(OwnedCopy(data, size).get(), size, limits);
  if (!decoded.ok()) return true;
  const UpdateHeader& h = decoded->header;
  if (decoded->values.size() != static_cast<size_t>(h.row_count) * h.dim) return false;
  bool f16_range = true;  // the encoder takes values an f16 can hold (an int8 scale may exceed it)
  for (float v : decoded->values) {
    if (!std::isfinite(v)) return false;
    f16_range = f16_range && std::fabs(v) <= 65504.f;
  }
  if (!f16_range) return h.encoding == PayloadEncoding::kInt8;
  auto encoded = EncodeUpdate(h, decoded->values);
  if (!encoded.ok()) return false;
  // f16 -> f32 -> f16 is exact, so an f16 payload re-encodes to its own bytes.
  if (h.encoding == PayloadEncoding::kF16 && (encoded->size() != size || std::memcmp(encoded->data(), data, size) != 0))
    return false;
  return DecodeUpdate(encoded->data(), encoded->size(), limits).ok();
}

bool FuzzInteractionsCsv(const uint8_t* data, size_t size) {
  auto table = ParseInteractionsCsv(AsText(data, size));
  if (!table.ok()) return true;
  const size_t rows = table->users.size();
  if (table->items.size() != rows || table->weights.size() != rows || table->lines.size() != rows) return false;
  auto matrix = BuildInteractionMatrix(table.value());
  if (!matrix.ok()) return true;
  return matrix->by_user.nnz() <= static_cast<int64_t>(rows) && matrix->by_user.rows == matrix->users.size();
}

bool FuzzNpy(const uint8_t* data, size_t size) {
  auto npy = ParseNpy(OwnedCopy(data, size).get(), size);
  if (npy.ok() && npy->values.size() != static_cast<size_t>(npy->rows) * npy->dim) return false;
  const std::string text = AsText(data, size);
  for (bool with_ids : {true, false}) {
    auto csv = ParseFactorsCsv(text, with_ids);
    if (csv.ok() && csv->values.size() != static_cast<size_t>(csv->rows) * csv->dim) return false;
  }
  (void)ParseIdList(text);
  return true;
}

// One tokenization per run, its options taken from the first byte's low bits (the byte stays part
// of the text): every combination over the corpus at half the work of two per input. Tokenizing
// is per byte and the fuzzer traces each comparison, which made this the slowest harness.
bool FuzzTokenizer(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    const uint8_t flags = size ? data[0] : 0;
    TokenizerOptions options;
    options.drop_stopwords = (flags & 1) != 0;
    options.cjk_bigrams = (flags & 2) != 0;
    const std::vector<std::string> tokens = Tokenize(text, options);
    if (tokens.size() > kMaxTokensPerText) return false;
    for (const std::string& token : tokens)
      if (token.empty() || !IsValidUtf8(token.data(), token.size())) return false;
    struct Seen {
      const std::vector<std::string>* tokens;
      size_t next = 0;
      bool same = true;
    } seen{&tokens};
    ForEachToken(text, options, [](void* context, std::string_view token, uint64_t hash) {
      auto* s = static_cast<Seen*>(context);
      s->same = s->same && s->next < s->tokens->size() && (*s->tokens)[s->next] == token && hash == TokenHash64(token);
      ++s->next;
    }, &seen);
    if (!seen.same || seen.next != tokens.size()) return false;
  }
  (void)IsStopword(text);
  return true;
}

bool FuzzRoundConfig(const uint8_t* data, size_t size) {
  auto config = ParseRoundConfigJson(AsText(data, size));
  if (!config.ok()) return true;
  auto again = ParseRoundConfigJson(RoundConfigToJson(config.value()));
  if (!again.ok() || again->round_id != config->round_id || again->base_version != config->base_version) return false;
  auto window = ResolveWindow(config.value(), 40);
  if (window.ok() && (static_cast<uint64_t>(window->row_offset) + window->row_count > 40 || window->row_count == 0)) return false;
  (void)UpdateNormBound(config.value(), 640);
  (void)config->accountant();
  return true;
}

bool FuzzProfileEvent(const uint8_t* data, size_t size) {
  auto created = Profile::Create(&ProfileRecommender());
  if (!created.ok()) return false;
  Profile& profile = *created.value();
  // One event JSON per line; each one through Prepare + Commit, then Track again (a duplicate).
  const std::string text = AsText(data, size);
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    auto prepared = profile.Prepare(line, kNow);
    if (prepared.ok()) {
      if (!profile.Commit(prepared.value()).ok()) return false;
      auto again = profile.Track(line, kNow);
      if (!again.ok() || again.value()) return false;  // the same event again is no news
    }
  }
  (void)profile.UserVector();
  (void)profile.SummaryJson(kNow);
  // What was committed survives a snapshot and an export.
  auto restored = Profile::Create(&ProfileRecommender());
  std::vector<std::string> warnings;
  if (!restored.ok() || !restored.value()->Restore({profile.Snapshot()}, {}, &warnings).ok()) return false;
  if (!SameHistory(restored.value()->history(), profile.history())) return false;
  auto imported = Profile::Create(&ProfileRecommender());
  const std::vector<uint8_t> exported = profile.Export();
  if (!imported.ok() || !imported.value()->Import(exported.data(), exported.size()).ok()) return false;
  // The raw bytes as an import blob too.
  (void)imported.value()->Import(OwnedCopy(data, size).get(), size);
  return true;
}

const NamedEntry kFuzzEntries[] = {
    {"safetensors", FuzzSafetensors},   {"bundle", FuzzBundle},
    {"json", FuzzJson},                 {"catalog", FuzzCatalog},
    {"profile_blob", FuzzProfileBlob},  {"profile_store", FuzzProfileStore},
    {"payload", FuzzPayload},           {"interactions_csv", FuzzInteractionsCsv},
    {"npy", FuzzNpy},                   {"tokenizer", FuzzTokenizer},
    {"round_config", FuzzRoundConfig},  {"profile_event", FuzzProfileEvent},
};
const size_t kFuzzEntryCount = sizeof(kFuzzEntries) / sizeof(kFuzzEntries[0]);

}  // namespace zhixuan::fuzz
