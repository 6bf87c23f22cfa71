// A small FAQ and catalog for the assist room's tests.
#pragma once

#include <string>

namespace zhixuan::testing {

inline const std::string kSmallFaq = R"({"version": "t1", "entries": [
 {"id": "refund", "question": "怎么申请退款", "paraphrases": ["课程可以退吗", "退钱的入口在哪"],
  "answer": "在订单页申请退款。", "tags": ["退款"], "intent": "refund",
  "links": [{"title": "申请退款", "url": "/help/refund"}]},
 {"id": "invoice", "question": "怎么开发票", "paraphrases": ["报销要发票", "在哪里申请发票"],
  "answer": "在订单页申请发票。", "tags": ["发票"], "intent": "invoice"},
 {"id": "certificate", "question": "学完有结业证书吗", "paraphrases": ["证书怎么领取"],
  "answer": "学完并通过测验后领取证书。", "tags": ["证书"]},
 {"id": "password", "question": "忘记密码怎么办", "paraphrases": ["密码想不起来了"],
  "answer": "在登录页重置密码。", "tags": ["账号"], "intent": "reset_password"},
 {"id": "length", "question": "这门课多久能学完", "paraphrases": ["课程一共多长时间"],
  "answer": "时长见课程目录。", "tags": ["课程信息"], "intent": "course_length",
  "course_answer": "《{title}》共 {lessons} 节，约 {hours} 小时，大约 {days} 天能学完。"},
 {"id": "teacher", "question": "这门课是哪位老师讲的", "paraphrases": ["主讲人是谁"],
  "answer": "见课程页的老师栏目。", "tags": ["课程信息"], "course_answer": "由 {teacher} 主讲。"},
 {"id": "human", "question": "转人工客服", "paraphrases": ["找真人客服"], "answer": "正在转接。", "tags": ["人工客服"],
  "intent": "human"},
 {"id": "kaoyan", "question": "有考研数学的课吗", "paraphrases": ["考研课程有哪些"], "answer": "有，见下方课程。",
  "tags": ["考研"]}
]})";

inline const std::string kSmallCatalog = R"({"items": [
 {"id": "c1", "title": "考研数学 零基础入门", "tags": ["考研", "考研数学", "入门"], "teacher": "王老师", "price": 199, "lessons": 30},
 {"id": "c2", "title": "考研数学 30 天训练营", "tags": ["考研", "考研数学", "训练营"], "teacher": "王老师", "price": 999, "lessons": 45},
 {"id": "c3", "title": "考研英语 进阶精讲", "tags": ["考研", "考研英语"], "teacher": "李老师", "price": 399},
 {"id": "c4", "title": "Python 零基础入门", "tags": ["Python", "入门"], "teacher": "张老师", "price": 0, "lessons": 12, "hours": 9.5}
]})";

}  // namespace zhixuan::testing
