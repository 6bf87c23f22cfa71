// The on-device FAQ assistant: matches a question against the FAQ base (faq_matcher.hpp),
// answers when the calibrated confidence reaches the threshold and hands over to a human
// (转人工) with the three best suggestions when it does not. On a course page, an entry with
// a `course_answer` template is answered from that course's catalog entry; tags named in the
// question (or carried by the answered entry) bring follow-up course recommendations.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zhixuan/assist/course_facts.hpp"
#include "zhixuan/assist/faq.hpp"
#include "zhixuan/assist/faq_matcher.hpp"

namespace zhixuan {

constexpr size_t kMaxQuestionBytes = 2048;  // longer questions: kTooLarge

// The threshold chosen by `zhixuan faq-eval --tune` on the tuning half (accuracy with abstention).
float TunedThreshold();

struct AssistOptions {
  MatcherOptions matcher = TunedMatcherOptions();
  float threshold = TunedThreshold();
  CourseDefaults course_defaults;
  int suggestions = 3;
  int related_courses = 3;
};

struct AssistAnswer {
  bool answered = false;    // confidence >= threshold
  bool handover = false;    // offer 转人工 (not answered, or the user asked for a human)
  float confidence = 0;
  int32_t entry = -1;       // the answered entry (or -1)
  std::string answer;       // the answer text (course-specific when from_course)
  bool from_course = false;
  std::string intent;       // of the answered entry
  std::vector<int32_t> suggestions;  // the best entries, best first (up to AssistOptions::suggestions)
  std::vector<float> suggestion_scores;
  std::vector<std::string> related_courses;
  std::string topic;        // the first tag of the best entry ("" when nothing matched): for counts
};

class Assistant {
 public:
  static StatusOr<std::unique_ptr<Assistant>> Create(FaqBase faq, std::optional<CourseCatalog> catalog,
                                                     AssistOptions options = {});

  // question: UTF-8 (invalid bytes are tolerated), at most kMaxQuestionBytes. course_id: the
  // course the page shows ("" for none; an unknown id is ignored, the answer is generic).
  StatusOr<AssistAnswer> Ask(std::string_view question, const std::string& course_id) const;

  const FaqBase& faq() const { return faq_; }
  const FaqMatcher& matcher() const { return matcher_; }
  const AssistOptions& options() const { return options_; }
  bool has_catalog() const { return catalog_.has_value(); }

 private:
  FaqBase faq_;
  std::optional<CourseCatalog> catalog_;
  AssistOptions options_;
  FaqMatcher matcher_;
};

}  // namespace zhixuan
