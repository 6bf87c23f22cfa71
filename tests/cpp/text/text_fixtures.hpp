// A small course platform for the text and cold-start tests: two clusters of
// courses (programming: embedding near axis 0; exam prep 考研/考试: near axis 1),
// titles in Chinese and English, a popularity prior and context priors.
#pragma once

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/text/text_projection.hpp"

namespace zhixuan::testing {

struct Course {
  const char* id;
  const char* title;
  const char* tags;  // comma-separated
  int cluster;       // 0 programming, 1 exam prep
  float popularity;
};

inline const std::vector<Course>& Courses() {
  static const std::vector<Course> courses = {
      {"py-basics", "Python 零基础入门：从语法到实战", "python,编程", 0, 120},
      {"py-data", "Python 数据分析与可视化实战", "python,数据分析", 0, 300},
      {"java-web", "Java 后端开发：Spring Boot 实战", "java,编程", 0, 80},
      {"cpp-intro", "C++ 从入门到精通", "c++,编程", 0, 60},
      {"ml-intro", "机器学习入门：用 Python 做预测", "python,机器学习", 0, 150},
      {"fe-react", "React 前端开发实战课", "前端,编程", 0, 40},
      {"kaoyan-math", "考研数学一 高等数学强化课", "考研,数学", 1, 500},
      {"kaoyan-eng", "考研英语 阅读理解精讲", "考研,英语", 1, 400},
      {"kaoyan-pol", "考研政治 冲刺串讲", "考研,政治", 1, 250},
      {"ielts-speak", "雅思口语 7 分突破", "雅思,英语", 1, 90},
      {"cet6", "英语六级 听力与阅读", "英语,考试", 1, 70},
      {"gaokao-phys", "高中物理 力学专题精讲", "高考,物理", 1, 30},
  };
  return courses;
}

inline std::string CoursesCatalogJson() {
  std::string json = "{\"version\": \"t1\", \"items\": [";
  for (size_t i = 0; i < Courses().size(); ++i) {
    const Course& c = Courses()[i];
    std::string tags;
    std::string list = c.tags;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      tags += std::string(tags.empty() ? "" : ", ") + "\"" + list.substr(start, comma - start) + "\"";
      start = comma + 1;
    }
    json += std::string(i ? ", " : "") + "{\"id\": \"" + c.id + "\", \"title\": \"" + c.title + "\", \"tags\": [" + tags +
            "], \"channels\": [\"" + (i % 2 ? "web" : "mini-program") + "\", \"app\"]}";
  }
  return json + "]}";
}

// Embeddings: cluster axis + small deterministic noise; item_popularity from the table.
// Another `noise_seed` and `version`: a retrained model of the same courses.
inline Model CoursesModel(bool with_text = true, int dim = 8, uint32_t noise_seed = 11,
                          const std::string& version = "courses-1") {
  std::vector<std::string> ids;
  std::vector<float> rows;
  auto noise = RandomRows(static_cast<int64_t>(Courses().size()), dim, noise_seed);
  for (size_t i = 0; i < Courses().size(); ++i) {
    ids.push_back(Courses()[i].id);
    for (int j = 0; j < dim; ++j) rows.push_back(0.05f * noise[i * dim + j] + (j == Courses()[i].cluster ? 1.f : 0.f));
  }
  FoldInParams params;
  params.reg = 0.1f;
  params.alpha = 4.f;
  params.unobserved_weight = 0.1f;
  Model model = MakeModel(ids, rows.data(), dim, DType::kF32, params, version).value();
  std::vector<float> pop;
  for (const Course& c : Courses()) pop.push_back(c.popularity);
  model.extras["item_popularity"] = MakeF32Tensor({static_cast<int64_t>(pop.size())}, pop.data());
  if (with_text) {
    TextProjectionParams tp;
    tp.lambda = 0.1f;
    Status st = AttachTextModel(ParseCatalog(CoursesCatalogJson()).value(), &model, tp);
    (void)st;
  }
  return model;
}

}  // namespace zhixuan::testing
