// Offline after the first visit: the page tells this worker what it loaded (page, modules,
// wasm, catalog, model bundle); those are served from the cache, refreshed in the background
// when online. Federated traffic (/fed/) always goes to the network.
const CACHE = 'zhixuan-demo-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'cache') return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    let cached = 0;
    for (const url of event.data.urls) {
      try {
        const response = await fetch(url, { cache: 'no-cache' });
        if (response.ok) { await cache.put(url, response); cached++; }
      } catch { /* offline already: keep what we have */ }
    }
    event.ports[0]?.postMessage({ cached });
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || url.pathname.includes('/fed/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request, { ignoreSearch: event.request.mode === 'navigate' });
    const refresh = fetch(event.request).then(async (response) => {
      if (response.ok) await cache.put(event.request, response.clone());
      return response;
    });
    if (hit) {
      event.waitUntil(refresh.catch(() => {}));
      return hit;
    }
    return refresh;
  })());
});
