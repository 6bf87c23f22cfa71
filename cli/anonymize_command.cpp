// zhixuan anonymize: pseudonymizes the user column of an interactions CSV with HMAC-SHA-256
// under a key file, so training data carries no raw user ids. The same key maps a user to the
// same pseudonym in every file (training and evaluation still join); without the key a
// pseudonym cannot be reversed or recomputed from a guessed id.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.hpp"
#include "io.hpp"
#include "zhixuan/base/sha256.hpp"
#include "zhixuan/train/interactions.hpp"

namespace zhixuan::cli {
namespace {

constexpr size_t kNewKeyBytes = 32;
constexpr size_t kMinKeyBytes = 16;

Status IoError(const std::string& what, const std::string& path) {
  return Status(StatusCode::kIo, what + " '" + path + "': " + std::strerror(errno));
}

// A fresh key from the OS generator, in a file only its owner can read (O_EXCL: never
// overwrites a key that appeared meanwhile).
Status CreateKeyFile(const std::string& path) {
  unsigned char key[kNewKeyBytes];
  std::FILE* random = std::fopen("/dev/urandom", "rb");
  if (random == nullptr) return IoError("cannot open", "/dev/urandom");
  const bool drawn = std::fread(key, 1, sizeof key, random) == sizeof key;
  std::fclose(random);
  if (!drawn) return Status(StatusCode::kIo, "cannot read /dev/urandom");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return IoError("cannot create key file", path);
  const bool written = ::write(fd, key, sizeof key) == static_cast<ssize_t>(sizeof key) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return IoError("cannot write key file", path);
  }
  return Status::Ok();
}

StatusOr<std::string> LoadKey(const std::string& path, bool* created) {
  struct stat st;
  *created = false;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return IoError("cannot stat key file", path);
    ZX_RETURN_IF_ERROR(CreateKeyFile(path));
    *created = true;
  } else {
    if (!S_ISREG(st.st_mode)) return InvalidArgument("key file '" + path + "' is not a regular file");
    if (st.st_mode & 077) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
      return InvalidArgument("key file '" + path + "' is readable or writable by others (mode " + mode +
                             "); run chmod 600 on it (a leaked key lets anyone recompute the pseudonyms)");
    }
  }
  auto key = ReadFile(path);
  if (!key.ok()) return key.status();
  if (key->size() < kMinKeyBytes)
    return InvalidArgument("key file '" + path + "' holds " + std::to_string(key->size()) + " bytes; at least 16 needed");
  return key;
}

// Where each raw field of a CSV line lies, [begin, end), by the reader's quoting rules
// (core/src/train/interactions.cpp); the line was validated by ParseInteractionsCsv already.
std::vector<std::pair<size_t, size_t>> FieldSpans(const std::string& line) {
  std::vector<std::pair<size_t, size_t>> spans;
  size_t i = 0;
  for (;;) {
    const size_t begin = i;
    size_t j = i;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
    if (j < line.size() && line[j] == '"') {
      for (++j; j < line.size(); ++j) {
        if (line[j] != '"') continue;
        if (j + 1 < line.size() && line[j + 1] == '"') { ++j; continue; }
        ++j;
        break;
      }
    }
    const size_t comma = line.find(',', j);
    const size_t end = comma == std::string::npos ? line.size() : comma;
    spans.emplace_back(begin, end);
    if (comma == std::string::npos) return spans;
    i = comma + 1;
  }
}

bool IsUserColumn(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "user" || name == "userid" || name == "user_id";
}

Status Run(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"key", "in", "out"}, {});
  if (!args.ok()) return args.status();
  auto key_path = args->Required("key");
  auto in = args->Required("in");
  auto out = args->Required("out");
  for (const Status* s : {&key_path.status(), &in.status(), &out.status()}) ZX_RETURN_IF_ERROR(*s);
  if (*in == *out) return InvalidArgument("--out must differ from --in");

  auto text = ReadFile(*in);
  if (!text.ok()) return text.status();
  CsvReadOptions options;
  options.source_name = *in;
  auto table = ParseInteractionsCsv(*text, options);  // rejects malformed input, naming the line
  if (!table.ok()) return table.status();
  bool created = false;
  auto key = LoadKey(*key_path, &created);
  if (!key.ok()) return key.status();

  std::string result;
  result.reserve(text->size() + table->users.size() * 64);
  size_t user_column = std::string::npos;
  size_t row = 0;
  std::unordered_set<std::string> users;
  size_t pos = 0;
  if (text->compare(0, 3, "\xEF\xBB\xBF") == 0) {  // a byte order mark stays where it was
    pos = 3;
    result += text->substr(0, 3);
  }
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    const bool has_newline = nl != std::string::npos;
    if (!has_newline) nl = text->size();
    std::string line = text->substr(pos, nl - pos);
    pos = nl + 1;
    std::string ending = has_newline ? "\n" : "";
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
      ending = "\r" + ending;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      result += line + ending;
      continue;
    }
    const auto spans = FieldSpans(line);
    if (user_column == std::string::npos) {  // the header
      for (size_t c = 0; c < spans.size(); ++c) {
        std::string name = line.substr(spans[c].first, spans[c].second - spans[c].first);
        name.erase(0, name.find_first_not_of(" \t\""));
        name.erase(name.find_last_not_of(" \t\"") + 1);
        if (IsUserColumn(name)) user_column = c;
      }
      if (user_column == std::string::npos) return Status(StatusCode::kInternal, "no user column after validation");
      result += line + ending;
      continue;
    }
    const auto [begin, end] = spans[user_column];
    result += line.substr(0, begin);
    // The reader's decoded value of this row (quotes undone) is what gets hashed, so "u1" and
    // u1 map to the same pseudonym; data lines and table rows correspond one to one.
    if (row >= table->users.size()) return Status(StatusCode::kInternal, "more data lines than parsed rows");
    const std::string& id = table->users[row++];
    users.insert(id);
    result += ToHex(HmacSha256(*key, id));
    result += line.substr(end) + ending;
  }
  if (row != table->users.size()) return Status(StatusCode::kInternal, "fewer data lines than parsed rows");
  ZX_RETURN_IF_ERROR(WriteFileAtomic(*out, result));
  std::printf("anonymized %zu rows (%zu users) from %s -> %s%s\n", table->users.size(), users.size(), in->c_str(),
              out->c_str(), created ? (" (new key " + *key_path + ", mode 0600)").c_str() : "");
  return Status::Ok();
}

std::string Usage() {
  return "--key KEY_FILE --in interactions.csv --out anon.csv\n"
         "  --key F   the HMAC-SHA-256 key; created (32 random bytes, mode 0600) when missing;\n"
         "            refused when group or others may read or write it\n"
         "  --in F    an interactions CSV (header with a user column; see docs/cli.md)\n"
         "  --out F   the same CSV with every user id replaced by hex(HMAC-SHA-256(key, id))\n";
}

}  // namespace

ZX_REGISTER_COMMAND("anonymize", "pseudonymize the user column of an interactions CSV (HMAC-SHA-256)", &Usage, &Run);

}  // namespace zhixuan::cli
