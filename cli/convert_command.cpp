// zhixuan convert: item factors trained elsewhere (.npy, safetensors or CSV, plus ids) -> a model bundle.
#include <cstdio>

#include "command.hpp"
#include "io.hpp"
#include "training_options.hpp"
#include "zhixuan/train/factor_import.hpp"

namespace zhixuan::cli {
namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Status Run(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"factors", "ids", "tensor", "out", "dtype", "reg", "alpha", "w0", "reg-exponent", "model-version", "bundle-format"},
                          {"transpose"});
  if (!args.ok()) return args.status();
  auto factors_path = args->Required("factors");
  auto out = args->Required("out");
  if (!factors_path.ok()) return factors_path.status();
  if (!out.ok()) return out.status();
  FoldInParams foldin;
  auto reg = args->Float("reg", TrainingDefaults::kReg, 0, 1e9f);
  auto alpha = args->Float("alpha", TrainingDefaults::kAlpha, 0, 1e9f);
  auto w0 = args->Float("w0", TrainingDefaults::kUnobservedWeight, 0, 1e9f);
  auto nu = args->Float("reg-exponent", TrainingDefaults::kRegExponent, 0, 2);
  auto format = args->Int("bundle-format", kBundleFormatVersion, kOldestBundleFormatVersion, kBundleFormatVersion);
  for (const Status* s : {&reg.status(), &alpha.status(), &w0.status(), &nu.status(), &format.status()}) ZX_RETURN_IF_ERROR(*s);
  foldin.reg = *reg;
  foldin.alpha = *alpha;
  foldin.unobserved_weight = *w0;
  foldin.reg_exponent = *nu;
  if (foldin.reg == 0 && foldin.unobserved_weight == 0) return InvalidArgument("--reg or --w0 must be > 0");
  const std::string dtype_name = args->String("dtype", "f32");
  DType dtype;
  if (dtype_name == "f32") dtype = DType::kF32;
  else if (dtype_name == "f16") dtype = DType::kF16;
  else if (dtype_name == "i8") dtype = DType::kI8;
  else return InvalidArgument("--dtype must be f32, f16 or i8, got '" + dtype_name + "'");

  std::vector<std::string> ids;
  if (args->Has("ids")) {
    auto text = ReadFile(args->String("ids"));
    if (!text.ok()) return text.status();
    auto parsed = ParseIdList(*text, args->String("ids"));
    if (!parsed.ok()) return parsed.status();
    ids = std::move(parsed).value();
  }
  const bool safetensors = args->Has("tensor") || EndsWith(*factors_path, ".safetensors");
  const bool npy = EndsWith(*factors_path, ".npy");
  if ((safetensors || npy) && ids.empty())
    return InvalidArgument(std::string("--ids is required with ") + (npy ? ".npy" : "safetensors") +
                           " factors: one item id per line, in row order");
  if (args->Has("transpose") && !safetensors) return InvalidArgument("--transpose applies to a safetensors --tensor only");
  auto bytes = ReadFile(*factors_path);
  if (!bytes.ok()) return bytes.status();
  const auto* data = reinterpret_cast<const uint8_t*>(bytes->data());
  StatusOr<FactorMatrix> factors = Status(StatusCode::kInternal, "unset");
  if (safetensors) {
    factors = ParseSafetensorsFactors(data, bytes->size(), args->String("tensor"), args->Has("transpose"),
                                      static_cast<int64_t>(ids.size()), *factors_path);
    if (!factors.ok()) {
      if (!args->Has("tensor"))
        return Status(factors.status().code(), "name the embedding table with --tensor NAME. " + factors.status().message());
      return factors.status();
    }
  } else if (npy) {
    factors = ParseNpy(data, bytes->size());
    if (!factors.ok()) return Status(factors.status().code(), *factors_path + ": " + factors.status().message());
  } else {
    factors = ParseFactorsCsv(*bytes, ids.empty(), *factors_path);
    if (!factors.ok()) return factors.status();
  }
  const int64_t rows = factors->rows;
  const int dim = factors->dim;
  auto model = ModelFromFactors(std::move(factors).value(), std::move(ids), dtype, foldin,
                                args->String("model-version", "converted"));
  if (!model.ok()) return model.status();
  model->manifest.format_version = *format;
  const std::vector<uint8_t> out_bytes = SaveModel(*model);
  ZX_RETURN_IF_ERROR(WriteFileAtomic(*out, out_bytes));
  std::printf("converted %lld items x %d dims from %s -> %s (%zu bytes, %s)\n", static_cast<long long>(rows), dim,
              factors_path->c_str(), out->c_str(), out_bytes.size(), dtype_name.c_str());
  return Status::Ok();
}

std::string Usage() {
  return "--factors F.npy|F.safetensors|F.csv [--tensor NAME] [--ids ids.txt] --out model.safetensors [options]\n"
         "  --factors F    .npy (float32/float64, 2-D, C order); a safetensors file (with --tensor);\n"
         "                 or CSV: 'id,f1..fd' or 'id,\"[f1, ..., fd]\"' per line (Spark's itemFactors),\n"
         "                 or bare 'f1..fd' lines when --ids is given (a header line is skipped)\n"
         "  --tensor NAME  the embedding table inside a safetensors file, [items, dim], F32/F16/BF16/F64\n"
         "                 (e.g. item_emb.weight from a PyTorch state_dict)\n"
         "  --transpose    the tensor is stored [dim, items]\n"
         "  --ids F        one item id per line, in row order (required for .npy and safetensors)\n"
         "  --dtype        f32|f16|i8 (default f32)\n"
         "  --reg --alpha --w0 --reg-exponent   the fold-in objective the factors were trained with\n"
         "  --model-version V  (default 'converted')\n"
         "  --bundle-format 2|1  1: ids in the manifest, for devices whose SDK predates 2 (default 2)\n";
}

}  // namespace

ZX_REGISTER_COMMAND("convert", "item factors from another trainer (.npy/safetensors/CSV + ids) -> model bundle", &Usage, &Run);

}  // namespace zhixuan::cli
