// The split of ../shared/EVALUATION.md, written as a split directory (train.csv,
// test_history.csv, test_target.csv): users with >= 5 positives shuffled (seed 98765), 20% held
// out; items of the training users only; each held-out user with >= 5 of them gives int(0.2 n)
// of their items, shuffled by the same stream, to the target.
import fs from 'node:fs';
import path from 'node:path';
import { rng } from '../../tools/random.mjs';

/** byUser: Map user -> array of distinct positive items (ids as they are to be written). */
export function writeProtocolSplit(out, byUser) {
  const splitRng = rng(98765);
  const kept = [...byUser.keys()].filter((u) => byUser.get(u).length >= 5);
  for (let i = kept.length - 1; i > 0; i--) {
    const j = Math.floor(splitRng() * (i + 1));
    [kept[i], kept[j]] = [kept[j], kept[i]];
  }
  const testCount = Math.floor(0.2 * kept.length);
  const testUsers = kept.slice(0, testCount), trainUsers = kept.slice(testCount);
  const trainItems = new Set(trainUsers.flatMap((u) => byUser.get(u)));
  fs.mkdirSync(out, { recursive: true });
  const train = ['user,item'], history = ['user,item'], target = ['user,item'];
  for (const u of trainUsers) for (const i of byUser.get(u)) train.push(`u${u},i${i}`);
  let heldOut = 0;
  for (const u of testUsers) {
    const own = byUser.get(u).filter((i) => trainItems.has(i));
    if (own.length < 5) continue;
    for (let k = own.length - 1; k > 0; k--) {
      const j = Math.floor(splitRng() * (k + 1));
      [own[k], own[j]] = [own[j], own[k]];
    }
    const nTarget = Math.floor(0.2 * own.length);
    own.forEach((i, k) => (k < nTarget ? target : history).push(`u${u},i${i}`));
    heldOut++;
  }
  fs.writeFileSync(path.join(out, 'train.csv'), train.join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'test_history.csv'), history.join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'test_target.csv'), target.join('\n') + '\n');
  return { trainUsers: trainUsers.length, trainItems: trainItems.size, trainRows: train.length - 1, heldOut };
}
