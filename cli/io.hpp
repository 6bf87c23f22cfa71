// File helpers of the native CLI: whole-file reads, atomic writes (temporary file in the
// same directory, then rename, so a failed run never leaves a half-written output), and a
// progress bar that only draws when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/train/interactions.hpp"

namespace zhixuan::cli {

StatusOr<std::string> ReadFile(const std::string& path);
Status WriteFileAtomic(const std::string& path, const void* data, size_t size);
inline Status WriteFileAtomic(const std::string& path, const std::string& text) {
  return WriteFileAtomic(path, text.data(), text.size());
}
inline Status WriteFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  return WriteFileAtomic(path, bytes.data(), bytes.size());
}

// Reads and parses an interactions CSV; errors name the file. With `progress`, a StageProgress
// line for reading (bytes) and for parsing (bytes, rows).
StatusOr<InteractionTable> ReadInteractions(const std::string& path, float min_weight, bool progress = false);
// Reads and loads a model bundle; errors name the file.
StatusOr<Model> ReadModel(const std::string& path);
// Reads and parses a catalog JSON; errors name the file.
StatusOr<Catalog> ReadCatalog(const std::string& path);

bool StderrIsTerminal();

// A status line for a stage counted in bytes or rows rather than epochs (reading, parsing and
// indexing a large CSV): redrawn in place on a terminal (at most 5 times a second); in a log, a
// line every 10 s and one when the stage ends, so a small file gives one line per stage.
class StageProgress {
 public:
  explicit StageProgress(std::string label);
  void Begin();                            // "label ..." now (a stage with no counts to report)
  void Update(const std::string& status);  // throttled
  void Finish(const std::string& summary);
  double elapsed() const;

 private:
  std::string label_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_;
};

// "12.3 MB", "830 B".
std::string Bytes(double bytes);

class ProgressBar {
 public:
  // A bar redrawn in place on a terminal; one plain line per update when stderr is a file or
  // a pipe (logs of long training runs), so the ETA is readable there too.
  ProgressBar(std::string label, int total);
  void Update(int done, const std::string& note = "");
  void Finish();

 private:
  std::string label_;
  int total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace zhixuan::cli
