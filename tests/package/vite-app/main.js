// A web team's app: imports the installed package by name; Vite bundles it.
import { createRecommender } from 'zhixuan';

const report = (window.__result = {});
try {
  // The lean module (features: []); the worker below takes the default, full one.
  const rec = await createRecommender({ model: './model.safetensors', features: [] });
  const { ids } = rec.recommend({ history: ['item0', 'item2'], k: 5 });
  document.querySelector('#list').replaceChildren(...ids.map((id) => Object.assign(document.createElement('li'), { textContent: id })));
  report.ids = ids;
  const inWorker = await createRecommender({ model: './model.safetensors', worker: true });
  report.workerIds = (await inWorker.recommend({ history: ['item1', 'item3'], k: 5 })).ids;
  document.querySelector('#worker-list').replaceChildren(...report.workerIds.map((id) => Object.assign(document.createElement('li'), { textContent: id })));
} catch (error) {
  report.error = `${error.code ?? error.name}: ${error.message}`;
}
document.body.dataset.done = 'true';
