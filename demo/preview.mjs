// Prints personalized lists for a small embedded sample model (until the course page lands).
import { createRecommender } from '../js/index.js';
import { checkerboardBundle } from '../tests/js/fixtures.js';

const catalog = Array.from({ length: 40 }, (_, i) => ({
  id: `item${i}`,
  title: i % 2 ? `数据分析课 ${i}` : `Python 编程课 ${i}`,
  tags: [i % 2 ? '数据分析' : 'python'],
  price: 49 + i * 10,
}));
const rec = await createRecommender({ model: checkerboardBundle(), catalog });
for (const history of [['item0', 'item2'], ['item1', 'item3']]) {
  const { ids, scores } = rec.recommend({ history, k: 5 });
  console.log(`看过 ${history.map((id) => rec.item(id).title).join('、')} →`);
  ids.forEach((id, i) => console.log(`  ${i + 1}. ${rec.item(id).title}  (${scores[i].toFixed(3)})`));
}
