// WebCrypto pieces of secure aggregation, shared by the device (secagg-client.js) and the server
// (js/server/secagg-server.js): per-round ECDH key pairs (X25519 where the host has it, P-256
// otherwise), raw shared secrets for the masks, and AES-GCM encryption of the secret shares one
// device sends another through the server, keyed by HKDF-SHA-256 of their ECDH secret, with
// associated data binding the round, the sender and the receiver. Every random byte comes from
// crypto.getRandomValues / WebCrypto key generation.
import { ZhixuanError } from '../errors.js';

export const CURVES = Object.freeze(['X25519', 'P-256']);
const SHARE_INFO = new TextEncoder().encode('zhixuan secagg share key v1');

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new ZhixuanError('UNSUPPORTED', 'secure aggregation needs WebCrypto (a secure context)');
  return s;
}

export function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

function algorithm(curve) {
  if (curve === 'X25519') return { name: 'X25519' };
  if (curve === 'P-256') return { name: 'ECDH', namedCurve: 'P-256' };
  throw new ZhixuanError('INVALID_ARGUMENT', `unknown curve '${curve}'`);
}

/** Whether this host's WebCrypto can make keys on `curve`. */
export async function supportsCurve(curve) {
  try {
    await subtle().generateKey(algorithm(curve), false, ['deriveBits']);
    return true;
  } catch {
    return false;
  }
}

/** The first curve of CURVES this host supports (X25519 preferred). */
export async function preferredCurve() {
  for (const curve of CURVES) if (await supportsCurve(curve)) return curve;
  throw new ZhixuanError('UNSUPPORTED', 'this host has neither X25519 nor P-256 ECDH in WebCrypto');
}

/** A fresh key pair: {privateKey, publicRaw}. `extractable` only for the mask key (its secret is shared). */
export async function generateKeyPair(curve, extractable) {
  const pair = await subtle().generateKey(algorithm(curve), extractable, ['deriveBits']);
  const publicRaw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicRaw };
}

export function publicKeyBytes(curve) { return curve === 'X25519' ? 32 : 65; }

export async function importPublic(curve, raw) {
  if (!(raw instanceof Uint8Array) || raw.byteLength !== publicKeyBytes(curve)) {
    throw new ZhixuanError('MALFORMED_MESSAGE', `a ${curve} public key is ${publicKeyBytes(curve)} bytes`);
  }
  try {
    return await subtle().importKey('raw', raw, algorithm(curve), true, []);
  } catch (error) {
    throw new ZhixuanError('MALFORMED_MESSAGE', `not a ${curve} public key: ${error.message}`);
  }
}

/** ECDH: 32 raw bytes shared with the holder of `peerPublicRaw`. */
export async function sharedSecret(curve, privateKey, peerPublicRaw) {
  const peer = await importPublic(curve, peerPublicRaw);
  return new Uint8Array(await subtle().deriveBits({ name: algorithm(curve).name, public: peer }, privateKey, 256));
}

export function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromB64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw new ZhixuanError('MALFORMED_MESSAGE', 'not base64url');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The 32-byte secret scalar of an extractable private key (what the device Shamir-shares). */
export async function privateScalar(privateKey) {
  const jwk = await subtle().exportKey('jwk', privateKey);
  const d = fromB64url(jwk.d);
  if (d.byteLength !== 32) throw new ZhixuanError('INTERNAL', 'unexpected private key size');
  return d;
}

/** A private key rebuilt from its scalar and public key (the server, for a dropped device's masks). */
export async function importPrivate(curve, scalar, publicRaw) {
  const jwk = curve === 'X25519'
    ? { kty: 'OKP', crv: 'X25519', d: b64url(scalar), x: b64url(publicRaw) }
    : { kty: 'EC', crv: 'P-256', d: b64url(scalar), x: b64url(publicRaw.subarray(1, 33)), y: b64url(publicRaw.subarray(33, 65)) };
  return subtle().importKey('jwk', jwk, algorithm(curve), false, ['deriveBits']);
}

function associatedData(roundId, from, to) {
  const ad = new Uint8Array(4 + 8 + 4 + 4);
  const view = new DataView(ad.buffer);
  ad.set([0x7a, 0x78, 0x73, 0x61]);  // "zxsa"
  view.setBigUint64(4, BigInt(roundId), true);
  view.setUint32(12, from, true);
  view.setUint32(16, to, true);
  return ad;
}

/**
 * The AES-GCM key two devices seal their shares under, the same in both directions (ECDH is
 * symmetric and the HKDF info names no direction; the associated data does): one ECDH per
 * neighbour serves for sealing to it and for opening what it sent.
 */
export async function shareKey(curve, privateKey, peerPublicRaw, roundId) {
  const secret = await sharedSecret(curve, privateKey, peerPublicRaw);
  const base = await subtle().importKey('raw', secret, 'HKDF', false, ['deriveKey']);
  const salt = new Uint8Array(8);
  new DataView(salt.buffer).setBigUint64(0, BigInt(roundId), true);
  return subtle().deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: SHARE_INFO }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * iv (12) || AES-GCM(plaintext) for the device `to`; associated data binds round, from, to.
 * `key`: the pair's shareKey when the caller has it, else derived here from the ECDH keys.
 */
export async function sealShare({ key, curve, privateKey, peerPublicRaw, roundId, from, to, plaintext }) {
  const aes = key ?? await shareKey(curve, privateKey, peerPublicRaw, roundId);
  const iv = randomBytes(12);  // random: a pair's key seals one message each way
  const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: associatedData(roundId, from, to) }, aes, plaintext));
  const out = new Uint8Array(12 + sealed.byteLength);
  out.set(iv);
  out.set(sealed, 12);
  return out;
}

export async function openShare({ key, curve, privateKey, peerPublicRaw, roundId, from, to, ciphertext }) {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.byteLength < 12 + 16) throw new ZhixuanError('MALFORMED_MESSAGE', 'share ciphertext too short');
  const aes = key ?? await shareKey(curve, privateKey, peerPublicRaw, roundId);
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: ciphertext.subarray(0, 12), additionalData: associatedData(roundId, from, to) }, aes, ciphertext.subarray(12)));
  } catch {
    throw new ZhixuanError('MALFORMED_MESSAGE', `the shares from device ${from} do not decrypt (tampered or misaddressed)`);
  }
}
