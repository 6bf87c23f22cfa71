#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "zhixuan/assist/bm25.hpp"

using namespace zhixuan;

namespace {
// BM25 of one query term in one document, written out (Robertson-Sparck Jones IDF).
float Expected(float tf, float df, float n, float length, float average, Bm25Params p) {
  const float idf = std::log(1.0f + (n - df + 0.5f) / (df + 0.5f));
  return idf * tf * (p.k1 + 1.0f) / (tf + p.k1 * (1.0f - p.b + p.b * length / average));
}
}  // namespace

TEST_CASE("BM25 postings: term frequencies counted within a document, documents in order", "[assist][bm25]") {
  // Term 0 three times in doc 0 (not adjacent), once in doc 2; term 1 in every document; term 2
  // twice in doc 1; term 3 never (in the vocabulary, in no document).
  Bm25Index index;
  index.AddDocument(std::vector<uint32_t>{0, 1, 0, 1, 0});
  index.AddDocument(std::vector<uint32_t>{2, 1, 2});
  index.AddDocument(std::vector<uint32_t>{1, 0});
  const Bm25Params p{1.2f, 0.75f};
  index.Finish(4, p);
  CHECK(index.document_count() == 3);
  CHECK(index.DocumentFrequency(0) == 2);
  CHECK(index.DocumentFrequency(1) == 3);
  CHECK(index.DocumentFrequency(2) == 1);
  CHECK(index.DocumentFrequency(3) == 0);
  CHECK(index.Contains(0, 0));
  CHECK(!index.Contains(1, 0));
  CHECK(index.Contains(2, 0));
  CHECK(index.Contains(1, 2));
  CHECK(!index.Contains(0, 3));

  const float average = (5.0f + 3.0f + 2.0f) / 3.0f;
  std::vector<float> scores(3, 0.0f);
  std::vector<int32_t> touched;
  index.Accumulate({0}, &scores, &touched);
  CHECK(touched == std::vector<int32_t>{0, 2});
  CHECK(scores[0] == Approx(Expected(3, 2, 3, 5, average, p)));
  CHECK(scores[1] == 0.0f);
  CHECK(scores[2] == Approx(Expected(1, 2, 3, 2, average, p)));

  std::fill(scores.begin(), scores.end(), 0.0f);
  touched.clear();
  index.Accumulate({2}, &scores, &touched);
  CHECK(touched == std::vector<int32_t>{1});
  CHECK(scores[1] == Approx(Expected(2, 1, 3, 3, average, p)));
}

TEST_CASE("BM25 document mass: each distinct term once, weighted by another index's IDF", "[assist][bm25]") {
  Bm25Index fields, entries;
  fields.AddDocument(std::vector<uint32_t>{0, 0, 1});
  fields.AddDocument(std::vector<uint32_t>{1});
  fields.Finish(2, {});
  entries.AddDocument(std::vector<uint32_t>{0, 1});
  entries.AddDocument(std::vector<uint32_t>{1});
  entries.AddDocument(std::vector<uint32_t>{1});
  entries.Finish(2, {});
  std::vector<float> mass(2, 0.0f);
  fields.AddMassByDocument(entries, &mass);
  CHECK(mass[0] == Approx(entries.Idf(0) + entries.Idf(1)));
  CHECK(mass[1] == Approx(entries.Idf(1)));
}
