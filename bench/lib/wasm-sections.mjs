// Reads a wasm binary's section sizes and, when it has a name section (link with
// --profiling-funcs), the size of every function body by name.

function readU32(bytes, at) {
  let result = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, at];
}

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

export function wasmSections(bytes) {
  const sections = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = readU32(bytes, at + 1);
    let name = SECTION_NAMES[id] ?? `id${id}`;
    if (id === 0) {
      const [len, s] = readU32(bytes, body);
      name = `custom:${new TextDecoder().decode(bytes.subarray(s, s + len))}`;
    }
    sections.push({ id, name, start: body, size, total: body + size - at });
    at = body + size;
  }
  return sections;
}

function importedFunctionCount(bytes, section) {
  let [count, at] = readU32(bytes, section.start);
  let functions = 0;
  for (let i = 0; i < count; i++) {
    for (let s = 0; s < 2; s++) { const [len, p] = readU32(bytes, at); at = p + len; }  // module, field
    const kind = bytes[at++];
    if (kind === 0) { functions++; [, at] = readU32(bytes, at); }
    else if (kind === 1) { at++; const [flags, p] = readU32(bytes, at); [, at] = readU32(bytes, p); if (flags & 1) [, at] = readU32(bytes, at); }
    else if (kind === 2) { const [flags, p] = readU32(bytes, at); [, at] = readU32(bytes, p); if (flags & 1) [, at] = readU32(bytes, at); }
    else if (kind === 3) { at += 2; }
  }
  return functions;
}

/** @returns {{name: string, size: number}[]} function bodies (names when the binary has them) */
export function functionSizes(bytes) {
  const sections = wasmSections(bytes);
  const imports = sections.find((s) => s.id === 2);
  const firstIndex = imports ? importedFunctionCount(bytes, imports) : 0;
  const names = new Map();
  const nameSection = sections.find((s) => s.name === 'custom:name');
  if (nameSection) {
    let [len, at] = readU32(bytes, nameSection.start);
    at += len;
    const end = nameSection.start + nameSection.size;
    while (at < end) {
      const kind = bytes[at++];
      const [size, body] = readU32(bytes, at);
      if (kind === 1) {
        let [count, p] = readU32(bytes, body);
        for (let i = 0; i < count; i++) {
          let index, n;
          [index, p] = readU32(bytes, p);
          [n, p] = readU32(bytes, p);
          names.set(index, new TextDecoder().decode(bytes.subarray(p, p + n)));
          p += n;
        }
      }
      at = body + size;
    }
  }
  const code = sections.find((s) => s.id === 10);
  let [count, at] = readU32(bytes, code.start);
  const out = [];
  for (let i = 0; i < count; i++) {
    const [size, body] = readU32(bytes, at);
    out.push({ name: names.get(firstIndex + i) ?? `func${firstIndex + i}`, size: body + size - at });
    at = body + size;
  }
  return out;
}
