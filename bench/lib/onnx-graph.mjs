// Writes the ONNX protobuf of a scoring graph by hand (no protobuf package needed):
//   scores = MatMul(queries [B, d], itemsT [d, N])   (itemsT is a constant initializer)
//   values, indices = TopK(scores, k, axis=-1, largest=1, sorted=1)
// Only the few protobuf wire types ONNX needs: varint (0) and length-delimited (2).

const FLOAT = 1;
const INT64 = 7;

class ProtoWriter {
  constructor() { this.parts = []; this.length = 0; }
  push(bytes) { this.parts.push(bytes); this.length += bytes.length; return this; }
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));  // negative int64: ten-byte two's complement
    const bytes = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      bytes.push(byte);
    } while (v);
    return this.push(Uint8Array.from(bytes));
  }
  tag(field, wireType) { return this.varint((field << 3) | wireType); }
  int(field, value) { return this.tag(field, 0).varint(value); }
  bytes(field, data) { return this.tag(field, 2).varint(data.length).push(data); }
  string(field, text) { return this.bytes(field, new TextEncoder().encode(text)); }
  message(field, writer) { return this.bytes(field, writer.finish()); }
  finish() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

const msg = () => new ProtoWriter();

// ValueInfoProto with a tensor type; dims are numbers (fixed) or strings (symbolic).
function valueInfo(name, elemType, dims) {
  const shape = msg();
  for (const d of dims) shape.message(1, typeof d === 'string' ? msg().string(2, d) : msg().int(1, d));
  const tensorType = msg().int(1, elemType).message(2, shape);
  return msg().string(1, name).message(2, msg().message(1, tensorType));
}

function node(opType, inputs, outputs, attributes = []) {
  const n = msg();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${opType.toLowerCase()}_0`).string(4, opType);
  // AttributeProto: name (1), i (3), type (20) = INT (2)
  for (const [name, value] of attributes) n.message(5, msg().string(1, name).int(3, value).int(20, 2));
  return n;
}

/**
 * @param {Float32Array} itemsT the item matrix transposed, d x N row-major
 * @returns {Uint8Array} a ModelProto (opset 13)
 */
export function matMulTopKModel(itemsT, dim, count) {
  const initializer = msg()
    .int(1, dim).int(1, count)           // dims
    .int(2, FLOAT)                       // data_type
    .string(8, 'itemsT')                 // name
    .bytes(9, new Uint8Array(itemsT.buffer, itemsT.byteOffset, itemsT.byteLength));  // raw_data
  const graph = msg()
    .message(1, node('MatMul', ['queries', 'itemsT'], ['scores']))
    .message(1, node('TopK', ['scores', 'k'], ['values', 'indices'], [['axis', -1], ['largest', 1], ['sorted', 1]]))
    .string(2, 'matmul_topk')
    .message(5, initializer)
    .message(11, valueInfo('queries', FLOAT, ['batch', dim]))
    .message(11, valueInfo('k', INT64, [1]))
    .message(12, valueInfo('values', FLOAT, ['batch', 'k_out']))
    .message(12, valueInfo('indices', INT64, ['batch', 'k_out']));
  return msg()
    .int(1, 8)                                  // ir_version
    .string(2, 'zhixuan-bench')                 // producer_name
    .message(7, graph)
    .message(8, msg().string(1, '').int(2, 13)) // opset_import
    .finish();
}
