#include "io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <unistd.h>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
// The wasm CLI under node: the module's own isatty() says yes for every standard stream, so
// node, which knows, is asked.
EM_JS(int, NodeStderrIsTty, (), { return process.stderr.isTTY ? 1 : 0; });
#endif

namespace zhixuan::cli {

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status(StatusCode::kIo, "cannot read '" + path + "'");
  return buffer.str();
}

Status WriteFileAtomic(const std::string& path, const void* data, size_t size) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return Status(StatusCode::kIo, "cannot create '" + temp + "': " + std::strerror(errno));
  const bool written = std::fwrite(data, 1, size, f) == size;
  const bool flushed = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!written || !flushed || !closed) {
    std::remove(temp.c_str());
    return Status(StatusCode::kIo, "cannot write '" + temp + "'");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    return Status(StatusCode::kIo, "cannot rename '" + temp + "' to '" + path + "': " + reason);
  }
  return Status::Ok();
}

namespace {

// ReadFile in 16 MB pieces, each reported (the whole file is held, as ReadFile does).
StatusOr<std::string> ReadFileInPieces(const std::string& path, const std::function<void(size_t done, size_t total)>& report) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status(StatusCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  std::string text;
  size_t total = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) total = static_cast<size_t>(size);
    std::rewind(f);
  }
  text.reserve(total);
  constexpr size_t kPiece = 16 << 20;
  std::vector<char> piece(kPiece);
  size_t got;
  while ((got = std::fread(piece.data(), 1, kPiece, f)) > 0) {
    text.append(piece.data(), got);
    report(text.size(), std::max(total, text.size()));
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status(StatusCode::kIo, "cannot read '" + path + "'");
  return text;
}

}  // namespace

StatusOr<InteractionTable> ReadInteractions(const std::string& path, float min_weight, bool progress) {
  CsvReadOptions options;
  options.source_name = path;
  options.min_weight = min_weight;
  if (!progress) {
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    return ParseInteractionsCsv(*text, options);
  }
  StageProgress reading("reading " + path);
  auto text = ReadFileInPieces(path, [&](size_t done, size_t total) {
    reading.Update(Bytes(static_cast<double>(done)) + " of " + Bytes(static_cast<double>(total)));
  });
  if (!text.ok()) return text.status();
  reading.Finish(Bytes(static_cast<double>(text->size())));
  StageProgress parsing("parsing " + path);
  const double total = static_cast<double>(text->size());
  options.on_progress = [&](size_t bytes, int64_t rows) {
    char status[96];
    std::snprintf(status, sizeof status, "%lld rows, %.0f%% of %s", static_cast<long long>(rows),
                  total > 0 ? 100.0 * static_cast<double>(bytes) / total : 100.0, Bytes(total).c_str());
    parsing.Update(status);
  };
  auto table = ParseInteractionsCsv(*text, options);
  if (table.ok()) parsing.Finish(std::to_string(table->users.size()) + " rows");
  return table;
}

std::string Bytes(double bytes) {
  char text[32];
  if (bytes >= 1e9) std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1e6) std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
  else if (bytes >= 1e3) std::snprintf(text, sizeof text, "%.1f kB", bytes / 1e3);
  else std::snprintf(text, sizeof text, "%.0f B", bytes);
  return text;
}

StageProgress::StageProgress(std::string label)
    : label_(std::move(label)), terminal_(StderrIsTerminal()), start_(std::chrono::steady_clock::now()), last_(start_) {}

double StageProgress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void StageProgress::Begin() {
  std::fprintf(stderr, terminal_ ? "\r%s ...\033[K" : "%s ...\n", label_.c_str());
  std::fflush(stderr);
}

void StageProgress::Update(const std::string& status) {
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < (terminal_ ? 0.2 : 10.0)) return;
  last_ = now;
  std::fprintf(stderr, terminal_ ? "\r%s: %s  %.1fs\033[K" : "%s: %s  %.1fs\n", label_.c_str(), status.c_str(), elapsed());
  std::fflush(stderr);
}

void StageProgress::Finish(const std::string& summary) {
  std::fprintf(stderr, terminal_ ? "\r%s: %s in %.1fs\033[K\n" : "%s: %s in %.1fs\n", label_.c_str(), summary.c_str(),
               elapsed());
  std::fflush(stderr);
}

StatusOr<Model> ReadModel(const std::string& path) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  auto model = LoadModel(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
  if (!model.ok()) return Status(model.status().code(), path + ": " + model.status().message());
  return model;
}

StatusOr<Catalog> ReadCatalog(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto catalog = ParseCatalog(*text);
  if (!catalog.ok()) return Status(catalog.status().code(), path + ": " + catalog.status().message());
  return catalog;
}

bool StderrIsTerminal() {
#ifdef __EMSCRIPTEN__
  return NodeStderrIsTty() != 0;
#else
  return ::isatty(::fileno(stderr)) != 0;
#endif
}

ProgressBar::ProgressBar(std::string label, int total)
    : label_(std::move(label)), total_(total), terminal_(StderrIsTerminal()), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::Update(int done, const std::string& note) {
  if (total_ <= 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = done > 0 ? elapsed / done * (total_ - done) : 0;
  if (!terminal_) {
    std::fprintf(stderr, "%s %d/%d  %.1fs elapsed, ETA %.1fs  %s\n", label_.c_str(), done, total_, elapsed, eta, note.c_str());
    std::fflush(stderr);
    return;
  }
  constexpr int kWidth = 30;
  const int filled = kWidth * done / total_;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %d/%d  %.1fs elapsed, ETA %.1fs  %s\033[K", label_.c_str(), bar.c_str(), done, total_,
               elapsed, eta, note.c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (terminal_ && total_ > 0) std::fprintf(stderr, "\n");
}

}  // namespace zhixuan::cli
