// A safetensors writer written independently of the core (as a Python trainer's files come out):
// what tests, benchmarks and the demo generator use to build bundles in JS.
// Data widest element first, then by name, as the safetensors library orders it (every tensor
// starts aligned to its element size).
export function writeSafetensors(tensors, metadata = {}) {
  const header = {};
  let offset = 0;
  const width = (name) => tensors[name].data.BYTES_PER_ELEMENT ?? 1;
  const names = Object.keys(tensors).sort((a, b) => width(b) - width(a) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let text = JSON.stringify(header);
  while ((8 + text.length) % 8) text += ' ';
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), cursor);
    cursor += d.byteLength;
  }
  return out;
}
