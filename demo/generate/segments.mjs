// Names the profile's segments after the generator's latent clusters: each segment centroid is
// the mean user vector (folded in by the package itself, the device's code path) of the
// synthetic users whose main interest is that cluster. Written into the bundle as the
// `segment_centroids` [S, d] F32 tensor and the manifest's `profile.segment_names`, with the
// event weights the training data used (`profile.weights`), so the device reads events the way
// the model was trained.
import { writeSafetensors } from '../../tools/safetensors-writer.mjs';
import { EVENT_WEIGHTS } from './interactions.mjs';
import { CLUSTERS } from './vocabulary.mjs';

/** Parses a safetensors file into { tensors: {name: {dtype, shape, data: Uint8Array}}, metadata }. */
export function readSafetensors(bytes) {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = 8 + headerLength;
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors[name] = { dtype: t.dtype, shape: t.shape, data: bytes.slice(base + t.data_offsets[0], base + t.data_offsets[1]) };
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}

/**
 * @param {Uint8Array} bundle  the trained bundle
 * @param {{user,item,weight}[]} rows  the interactions
 * @param {{id, clusters}[]} users  the generator's latent labels
 * @returns {Promise<Uint8Array>} the bundle with segments and profile settings
 */
export async function addSegments(bundle, rows, users) {
  const { createRecommender } = await import('../../js/index.js');
  const rec = await createRecommender({ model: bundle });
  const dim = rec.info.dim;
  const historyOf = new Map();
  for (const r of rows) {
    if (!historyOf.has(r.user)) historyOf.set(r.user, []);
    historyOf.get(r.user).push({ item: r.item, weight: r.weight });
  }
  const sums = CLUSTERS.map(() => new Float64Array(dim));
  const counts = CLUSTERS.map(() => 0);
  for (const user of users) {
    const c = CLUSTERS.findIndex((cluster) => cluster.key === user.clusters[0]);
    const x = rec.foldIn(historyOf.get(user.id) ?? []);
    for (let j = 0; j < dim; j++) sums[c][j] += x[j];
    counts[c]++;
  }
  rec.dispose();
  const centroids = new Float32Array(CLUSTERS.length * dim);
  sums.forEach((sum, c) => sum.forEach((v, j) => { centroids[c * dim + j] = v / Math.max(1, counts[c]); }));

  const { tensors, metadata } = readSafetensors(bundle);
  const manifest = JSON.parse(metadata['zhixuan.manifest']);
  manifest.profile = {
    ...manifest.profile,
    weights: { ...manifest.profile?.weights, view: EVENT_WEIGHTS.view, click: EVENT_WEIGHTS.view, favorite: EVENT_WEIGHTS.favorite, purchase: EVENT_WEIGHTS.purchase },
    segment_names: CLUSTERS.map((c) => `${c.name}学习者`),
  };
  tensors.segment_centroids = { dtype: 'F32', shape: [CLUSTERS.length, dim], data: centroids };
  return writeSafetensors(tensors, { ...metadata, 'zhixuan.manifest': JSON.stringify(manifest) });
}
