// A device's WebCrypto work with its neighbours in one secure round, every call started at once so
// they run side by side (WebCrypto works off the calling thread: Node's libuv pool, the browser's
// crypto threads) instead of one await after another. Per neighbour: one ECDH on the encryption
// keys, whose AES-GCM key both seals the shares sent to it and opens the shares it sent (the key is
// the same in both directions: secagg-crypto.js shareKey), and one ECDH on the mask keys (the
// pairwise mask's secret). Both begin as soon as the neighbours are known, so the mask agreements
// run while the device waits for the share stage to close.
import { openShare, sealShare, shareKey, sharedSecret } from './secagg-crypto.js';

// A promise whose failure is reported where it is awaited, never as an unhandled rejection when
// the round ends first (a device that drops or aborts leaves some agreements unread).
function started(promise) {
  promise.catch(() => {});
  return promise;
}

export class PeerCrypto {
  /**
   * `peers`: [{index, encPublic, maskPublic}] (raw public keys) of this device's neighbours;
   * `encPrivate`, `maskPrivate`: this device's private keys of the round.
   */
  constructor({ curve, roundId, index, encPrivate, maskPrivate, peers }) {
    this.curve = curve;
    this.roundId = roundId;
    this.index = index;
    this.keys = new Map(peers.map((p) => [p.index, started(shareKey(curve, encPrivate, p.encPublic, roundId))]));
    this.masks = new Map(peers.map((p) => [p.index, started(sharedSecret(curve, maskPrivate, p.maskPublic))]));
  }

  /** [{to, ciphertext}] for [{to, plaintext}], in the same order. */
  seal(messages) {
    return Promise.all(messages.map(async ({ to, plaintext }) => ({
      to, ciphertext: await sealShare({ key: await this.keys.get(to), roundId: this.roundId, from: this.index, to, plaintext }),
    })));
  }

  /** The plaintexts of [{from, ciphertext}], in the same order; MALFORMED_MESSAGE if one does not decrypt. */
  open(messages) {
    return Promise.all(messages.map(async ({ from, ciphertext }) => openShare({
      key: await this.keys.get(from), roundId: this.roundId, from, to: this.index, ciphertext,
    })));
  }

  /** The 32-byte mask secrets shared with `peers` (indices), concatenated in that order. */
  async secrets(peers) {
    const all = await Promise.all(peers.map((p) => this.masks.get(p)));
    const out = new Uint8Array(32 * peers.length);
    all.forEach((secret, i) => out.set(secret, 32 * i));
    return out;
  }
}
