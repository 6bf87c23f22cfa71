// Writes the seed corpora of the fuzz harnesses: small valid inputs made by the project's own
// writers (WriteSafetensors, SaveModel, EncodeProfileBlob, EncodeLogRecord, EncodeUpdate,
// RoundConfigToJson, Profile::Export/Snapshot) plus a few texts. Usage: zx_fuzz_seeds OUT_DIR
// (tests/fuzz/make_seeds.sh writes tests/fuzz/corpus).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_entries.hpp"
#include "zhixuan/federated/federated.hpp"
#include "zhixuan/federated/payload.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/safetensors.hpp"
#include "zhixuan/profile/profile.hpp"
#include "zhixuan/profile/profile_blob.hpp"
#include "zhixuan/profile/profile_store.hpp"

using namespace zhixuan;
namespace fs = std::filesystem;

namespace {

fs::path g_out;

void Write(const std::string& harness, const std::string& name, const std::vector<uint8_t>& bytes) {
  const fs::path dir = g_out / harness;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}
void Write(const std::string& harness, const std::string& name, const std::string& text) {
  Write(harness, name, std::vector<uint8_t>(text.begin(), text.end()));
}

Model SmallModel(DType dtype, int format_version, bool with_bias) {
  const int items = 6, dim = 4;
  std::vector<float> rows(items * dim);
  for (int i = 0; i < items * dim; ++i) rows[i] = 0.25f * static_cast<float>((i * 7) % 9) - 1.f;
  FoldInParams params;
  auto model = MakeModel({"c1", "c2", "课程3", "c4", "sku-5", "c6"}, rows.data(), dim, dtype, params, "v1").value();
  model.manifest.format_version = format_version;
  if (with_bias) model.bias = {0.1f, -0.2f, 0.f, 0.3f, 0.5f, -1.f};
  return model;
}

std::vector<uint8_t> Npy(const std::string& dict, const void* data, size_t bytes, uint8_t major) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<uint8_t> out{0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  out.push_back(header.size() & 0xff);
  out.push_back((header.size() >> 8) & 0xff);
  if (major != 1) out.insert(out.end(), {0, 0});
  out.insert(out.end(), header.begin(), header.end());
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + bytes);
  return out;
}

// The store harness's framing (fuzz_entries.cpp: SplitRecords).
void Frame(std::vector<uint8_t>* out, bool is_log, const std::vector<uint8_t>& record) {
  out->push_back(is_log ? 1 : 0);
  out->push_back(record.size() & 0xff);
  out->push_back((record.size() >> 8) & 0xff);
  out->insert(out->end(), record.begin(), record.end());
}

std::string EventJson(const char* type, const char* item, double ts, const char* extra = "") {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, R"({"type":"%s","item":"%s","channel":"web","ts":%.0f%s})", type, item, ts, extra);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: zx_fuzz_seeds OUT_DIR\n");
    return 2;
  }
  g_out = argv[1];

  // safetensors: every dtype, with metadata.
  {
    std::map<std::string, TensorData> tensors;
    const float f32[] = {1.f, -2.5f, 0.f, 3.25f};
    const int32_t i32[] = {1, -7, 1 << 30};
    tensors["f32"] = MakeF32Tensor({2, 2}, f32);
    tensors["i32"] = MakeI32Tensor({3}, i32);
    tensors["f16"] = TensorData{DType::kF16, {2}, {0x00, 0x3c, 0x00, 0xc0}};
    tensors["i8"] = TensorData{DType::kI8, {2, 2}, {0x01, 0xff, 0x7f, 0x80}};
    tensors["u8"] = TensorData{DType::kU8, {5}, {'a', 0, 'b', 'c', 0}};
    Write("safetensors", "every_dtype.safetensors", WriteSafetensors(tensors, {{"note", "seed"}, {"json", "{\"a\":[1,2]}"}}));
    Write("safetensors", "empty.safetensors", WriteSafetensors({}, {}));
  }
  // bundles: format 1 and 2, every embedding dtype, with and without bias.
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
    for (int format : {1, 2}) {
      const std::string name = std::string("format") + std::to_string(format) + "_" + DTypeName(dtype);
      Write("bundle", name + ".zxm", SaveModel(SmallModel(dtype, format, dtype == DType::kF32)));
    }
  }
  {
    const Model model = SmallModel(DType::kF32, 2, false);
    Write("json", "manifest.json", model.manifest.json);
  }
  // JSON texts.
  Write("json", "escapes.json", R"({"a":"\u00e9\ud83d\ude00\n\t\"","b":[1,-2.5e3,0.0,true,false,null],"c":{}})");
  Write("json", "nested.json", "[[[[[[{\"k\":[[[]]]}]]]]]]");
  Write("json", "bom.json", "\xEF\xBB\xBF{\"x\":\"中文\"}");
  // catalogs, items, filters.
  Write("catalog", "catalog.json",
        R"({"version":"3","model_version":"v1","items":[{"id":"c1","title":"Python 入门","description":"从零开始",)"
        R"("tags":["python","入门"],"price":99.0,"channels":["web","mini-program"],"available":true,)"
        R"("aliases":{"mini-program":"mp_1001"}},{"id":"c2","available":false}]})");
  Write("catalog", "bare_array.json", R"([{"id":"a"},{"id":"b","tags":[],"price":0}])");
  Write("catalog", "filter.json", R"({"tags":["python"],"minPrice":1,"maxPrice":100,"channel":"web","onlyAvailable":false})");
  // profile: a history with events of every kind, then its blobs and records.
  {
    auto profile = Profile::Create(&fuzz::ProfileRecommender()).value();
    const double now = fuzz::kFuzzNow;
    const std::string events[] = {
        EventJson("view", "item1", now - 5e6),
        EventJson("purchase", "item2", now - 4e6, R"(,"value":49.5,"id":"order-1")"),
        EventJson("rate", "mp_0", now - 3e6, R"(,"value":4)"),
        EventJson("dismiss", "item3", now - 2e6),
        EventJson("refund", "item2", now - 1e6),
    };
    std::string lines;
    std::vector<uint8_t> framed;
    for (const std::string& e : events) {
      auto prepared = profile->Prepare(e, now).value();
      if (!profile->Commit(prepared).ok()) return 1;
      Frame(&framed, true, prepared.record);
      Write("profile_store", "log_record_" + std::to_string(prepared.seq) + ".bin", prepared.record);
      lines += e + "\n";
    }
    Write("profile_event", "events.jsonl", lines);
    Write("profile_event", "one_event.json", events[1]);
    Write("profile_blob", "export.zxpf", profile->Export());
    Write("profile_blob", "snapshot.zxpf", profile->Snapshot());
    std::vector<uint8_t> store;
    Frame(&store, false, profile->Snapshot());
    store.insert(store.end(), framed.begin(), framed.end());
    Write("profile_store", "snapshot_and_log.bin", store);
  }
  // federated payloads: f16 and int8.
  for (PayloadEncoding encoding : {PayloadEncoding::kF16, PayloadEncoding::kInt8}) {
    UpdateHeader h;
    h.round_id = 7;
    h.base_version = "v1";
    h.row_offset = 2;
    h.row_count = 3;
    h.dim = 4;
    h.encoding = encoding;
    h.local_noise = encoding == PayloadEncoding::kInt8;
    for (size_t i = 0; i < h.nonce.size(); ++i) h.nonce[i] = static_cast<uint8_t>(i * 17);
    std::vector<float> values(12);
    for (size_t i = 0; i < values.size(); ++i) values[i] = 0.01f * static_cast<float>(i) - 0.05f;
    Write("payload", encoding == PayloadEncoding::kF16 ? "f16.zxfu" : "int8.zxfu", EncodeUpdate(h, values).value());
  }
  // round configs.
  {
    RoundConfig c;
    c.round_id = 3;
    c.base_version = "v1";
    c.noise_mode = NoiseMode::kLocal;
    c.encoding = PayloadEncoding::kInt8;
    c.row_offset = 4;
    c.row_count = 10;
    c.noise_multiplier = 0.5;
    c.max_row_step = 0.2;
    Write("round_config", "local_int8.json", RoundConfigToJson(c));
    Write("round_config", "minimal.json", R"({"round_id":1,"base_version":"v1"})");
  }
  // interactions CSV.
  Write("interactions_csv", "full.csv", "user,item,weight,ts,type\nu1,c1,1,1700000000000,view\nu1,c2,2.5,1700000000001,purchase\n\"u,2\",c1,1,1700000000002,click\n");
  Write("interactions_csv", "item_user_rating.csv", "item,user,rating\r\nc1,u1,4\r\nc2,u2,5\r\n");
  // .npy and factor CSVs and id lists.
  {
    const float f32[] = {1.f, 2.f, 3.f, 4.f, 5.f, 6.f};
    const double f64[] = {1.0, -2.0, 0.5, 8.0};
    Write("npy", "f4_v1.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f32, sizeof f32, 1));
    Write("npy", "f8_v2.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64, sizeof f64, 2));
    Write("npy", "factors_with_ids.csv", "id,f1,f2\n# comment\nc1,0.5,1e-3\nc2,-1,2\n");
    Write("npy", "ids.txt", "c1\nc2\r\n\nc3\n");
  }
  // tokenizer texts.
  Write("tokenizer", "mixed.txt", "Python 数据分析实战：从入门到精通 C++ c# 2024 3.5 ＡＢＣ ｆｕｌｌ 한국어 カタカナ Ελληνικά Русский 😀");
  Write("tokenizer", "invalid_utf8.txt", std::string("ok \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xE4\xB8 end", 27));
  return 0;
}
