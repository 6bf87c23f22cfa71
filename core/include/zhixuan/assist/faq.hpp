// The assistant's FAQ base, shipped like the catalog, as JSON:
//   {"version": "faq-1", "entries": [
//     {"id": "refund-policy", "question": "怎么申请退款？", "paraphrases": ["买错课了能退吗", ...],
//      "answer": "...", "tags": ["退款"], "intent": "refund",
//      "links": [{"title": "退款申请", "url": "/help/refund"}], "courses": ["c001"],
//      "course_answer": "《{title}》购买后 {refund_days} 天内可退"}, ...]}
// or a bare array of entries. Required: id, question, answer. `course_answer` is a template
// answered from the catalog entry of the course the page shows (course_facts.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr size_t kMaxFaqBytes = 32u << 20;
constexpr size_t kMaxFaqEntries = 100000;
constexpr size_t kMaxFaqIdBytes = 256;
constexpr size_t kMaxFaqQuestionBytes = 1024;
constexpr size_t kMaxFaqAnswerBytes = 16384;
constexpr size_t kMaxFaqParaphrases = 64;
constexpr size_t kMaxFaqTags = 32;
constexpr size_t kMaxFaqLinks = 16;
constexpr size_t kMaxFaqIntentBytes = 32;

struct FaqLink {
  std::string title;
  std::string url;
};

struct FaqEntry {
  std::string id;
  std::string question;
  std::vector<std::string> paraphrases;
  std::string answer;
  std::string course_answer;  // template with {title} {lessons} {hours} {teacher} {price} {refund_days}
  std::vector<std::string> tags;
  std::vector<FaqLink> links;
  std::vector<std::string> courses;  // catalog ids the answer points to
  std::string intent;                // [a-z_]+, e.g. refund, invoice, reset_password, human
};

struct FaqBase {
  std::string version;
  std::vector<FaqEntry> entries;
  std::unordered_map<std::string, int> index;  // id -> entries[]
  int find(const std::string& id) const;
};

// Validates and parses; a failure is kMalformedFaq (kTooLarge past the limits above) and the
// message names the entry (by position and id) and the field.
StatusOr<FaqBase> ParseFaq(std::string_view json_text);

}  // namespace zhixuan
