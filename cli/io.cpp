#include "io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
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

StatusOr<InteractionTable> ReadInteractions(const std::string& path, float min_weight) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  CsvReadOptions options;
  options.source_name = path;
  options.min_weight = min_weight;
  return ParseInteractionsCsv(*text, options);
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
