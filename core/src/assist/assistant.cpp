#include "zhixuan/assist/assistant.hpp"

#include <cmath>

#include "zhixuan/assist/normalize.hpp"

namespace zhixuan {

StatusOr<std::unique_ptr<Assistant>> Assistant::Create(FaqBase faq, std::optional<CourseCatalog> catalog,
                                                       AssistOptions options) {
  if (!(options.threshold >= 0.0f && options.threshold <= 1.0f))
    return InvalidArgument("threshold must be in [0, 1]");
  if (options.suggestions < 1 || options.suggestions > 20) return InvalidArgument("suggestions must be in [1, 20]");
  if (options.related_courses < 0 || options.related_courses > 20) return InvalidArgument("relatedCourses must be in [0, 20]");
  if (!(options.matcher.field_weight >= 0.0f && options.matcher.field_weight <= 1.0f))
    return InvalidArgument("field_weight must be in [0, 1]");
  auto assistant = std::unique_ptr<Assistant>(new Assistant());
  assistant->faq_ = std::move(faq);
  assistant->catalog_ = std::move(catalog);
  assistant->options_ = options;
  assistant->matcher_ = FaqMatcher::Build(assistant->faq_, options.matcher);
  return assistant;
}

StatusOr<AssistAnswer> Assistant::Ask(std::string_view question, const std::string& course_id) const {
  if (question.size() > kMaxQuestionBytes)
    return Status(StatusCode::kTooLarge, "question is longer than " + std::to_string(kMaxQuestionBytes) + " bytes");
  AssistAnswer out;
  const Match match = matcher_.Rank(question, std::max(options_.suggestions, 1));
  out.confidence = match.confidence;
  out.suggestions = match.entries;
  out.suggestion_scores = match.scores;
  if (!match.entries.empty()) {
    const FaqEntry& best = faq_.entries[match.entries[0]];
    out.topic = best.tags.empty() ? best.id : best.tags[0];
  }
  const CourseFacts* course = catalog_ && !course_id.empty() ? catalog_->find(course_id) : nullptr;
  if (!match.entries.empty() && match.confidence >= options_.threshold) {
    const FaqEntry& best = faq_.entries[match.entries[0]];
    out.answered = true;
    out.entry = match.entries[0];
    out.intent = best.intent;
    out.answer = best.answer;
    std::string filled;
    if (course && !best.course_answer.empty() &&
        CourseCatalog::FillTemplate(best.course_answer, *course, options_.course_defaults, &filled)) {
      out.answer = std::move(filled);
      out.from_course = true;
    }
    out.handover = best.intent == "human";
  } else {
    out.handover = true;
  }
  if (catalog_ && options_.related_courses > 0) {
    std::vector<std::string> tags;
    if (out.answered) tags = faq_.entries[out.entry].tags;
    out.related_courses = catalog_->Related(NormalizeQuestion(question), tags, options_.related_courses, course_id);
  }
  return out;
}

}  // namespace zhixuan
