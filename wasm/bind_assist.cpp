// Registrations of the assist room: AssistHandle wraps the core's Assistant (FAQ matching,
// hand-over, course-aware answers, follow-up courses). Logic lives in core
// (core/include/zhixuan/assist/); this file converts. Entries leave as indices: the JS side
// holds the parsed FAQ for display.
#include <emscripten/bind.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "convert.hpp"
#include "zhixuan/assist/assistant.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

val StringArrayOf(const std::vector<std::string>& strings) {
  val out = val::array();
  for (size_t i = 0; i < strings.size(); ++i) out.set(i, strings[i]);
  return out;
}

class AssistHandle {
 public:
  // [faq_ptr, faq_ptr + faq_len): the FAQ's JSON as UTF-8, encoded by the caller straight into
  // this module's heap (TextEncoder.encodeInto: no intermediate Uint8Array, no copy in); the
  // caller frees it after construction. threshold < 0: the tuned default.
  AssistHandle(uintptr_t faq_ptr, size_t faq_len, const std::string& catalog_json, bool has_catalog, double threshold) {
    auto faq = ParseFaq(std::string_view(reinterpret_cast<const char*>(faq_ptr), faq_len));
    if (!faq.ok()) {
      status_ = faq.status();
      return;
    }
    std::optional<CourseCatalog> catalog;
    if (has_catalog) {
      auto parsed = CourseCatalog::Parse(catalog_json);
      if (!parsed.ok()) {
        status_ = parsed.status();
        return;
      }
      catalog = std::move(parsed).value();
    }
    AssistOptions options;
    if (threshold >= 0) options.threshold = static_cast<float>(threshold);
    auto assistant = Assistant::Create(std::move(faq).value(), std::move(catalog), options);
    if (!assistant.ok()) {
      status_ = assistant.status();
      return;
    }
    assistant_ = std::move(assistant).value();
  }

  val Status() const { return StatusVal(status_); }

  // {entries, threshold, hasCatalog}
  val Info() const {
    if (!status_.ok()) return ErrorVal(status_);
    val out = val::object();
    out.set("entries", static_cast<double>(assistant_->faq().entries.size()));
    out.set("threshold", assistant_->options().threshold);
    out.set("hasCatalog", assistant_->has_catalog());
    return out;
  }

  val Ask(const std::string& question, const std::string& course_id) const {
    if (!status_.ok()) return ErrorVal(status_);
    auto answer = assistant_->Ask(question, course_id);
    if (!answer.ok()) return ErrorVal(answer.status());
    val out = val::object();
    out.set("answered", answer->answered);
    out.set("handover", answer->handover);
    out.set("confidence", answer->confidence);
    out.set("entry", answer->entry);
    out.set("answer", answer->answer);
    out.set("fromCourse", answer->from_course);
    out.set("intent", answer->intent);
    out.set("suggestions", CopyOut(answer->suggestions));
    out.set("suggestionScores", CopyOut(answer->suggestion_scores));
    out.set("relatedCourses", StringArrayOf(answer->related_courses));
    out.set("topic", answer->topic);
    return out;
  }

 private:
  zhixuan::Status status_;
  std::unique_ptr<Assistant> assistant_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_assist) {
  using zhixuan::wasm::AssistHandle;
  emscripten::class_<AssistHandle>("AssistHandle")
      .constructor<uintptr_t, size_t, const std::string&, bool, double>()
      .function("status", &AssistHandle::Status)
      .function("info", &AssistHandle::Info)
      .function("ask", &AssistHandle::Ask);
}
