// What the assistant knows about the courses: the catalog's items (the same JSON the
// recommender loads; extra fields read here: teacher, lessons, hours, refund_days), for
// answers about "this course" and for follow-up recommendations by tag.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct CourseFacts {
  std::string id;
  std::string title;
  std::string teacher;
  std::vector<std::string> tags;
  double price = std::numeric_limits<double>::quiet_NaN();
  double hours = std::numeric_limits<double>::quiet_NaN();  // total video length, if the catalog says
  int32_t lessons = -1;
  int32_t refund_days = -1;  // -1: the platform's default
};

struct CourseDefaults {
  int32_t refund_days = 7;
  int32_t minutes_per_lesson = 40;  // for the length when a course gives lessons only
  double hours_per_day = 1.0;       // the pace "how long to finish" assumes
};

class CourseCatalog {
 public:
  // The catalog JSON ({"items": [...]} or a bare array); only id is required. kMalformedCatalog
  // names the item and field.
  static StatusOr<CourseCatalog> Parse(const std::string& json_text);

  const CourseFacts* find(const std::string& id) const;
  size_t size() const { return items_.size(); }

  // Fills {title} {teacher} {price} {lessons} {hours} {days} {refund_days} from the course.
  // False when the template names a fact the course does not have (the caller falls back).
  static bool FillTemplate(const std::string& text, const CourseFacts& course, const CourseDefaults& defaults,
                           std::string* out);

  // Courses whose tags the (normalized) question names or the answered entry carries, rarer
  // tags first ("考研数学" before "考研"), at most k, without `exclude`.
  std::vector<std::string> Related(std::string_view normalized_question, const std::vector<std::string>& entry_tags,
                                   int k, const std::string& exclude) const;

 private:
  std::vector<CourseFacts> items_;
  std::unordered_map<std::string, int32_t> index_;
  std::vector<std::string> tags_;                  // normalized, distinct
  std::vector<std::vector<int32_t>> tag_items_;    // per tag, items in catalog order
  std::unordered_map<std::string, int32_t> tag_index_;
};

}  // namespace zhixuan
