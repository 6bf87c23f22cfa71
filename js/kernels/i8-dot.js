// Chooses the I8 scoring kernel when a core module starts: the relaxed-SIMD module where the
// engine validates it (Chrome >= 114, Firefox >= 145, Node >= 21), else the core's own SIMD128
// kernel (Safari today). Both give the same scores, bit for bit (SetI8DotKernel in
// core/include/zhixuan/model/scoring.hpp), so which one runs changes the speed, never a ranking.
import { i8DotRelaxed } from '../../dist/zhixuan-kernels.mjs';

/** The kernel names `installI8Kernel` reports. */
export const I8_KERNELS = Object.freeze({ relaxed: 'relaxed-simd', builtIn: 'simd128' });

/**
 * Puts the relaxed-SIMD kernel into the core's function table and tells the core to use it,
 * when the engine supports relaxed SIMD (feature detection: WebAssembly.validate of the kernel
 * itself, a few hundred bytes). Returns the name of the kernel that scores I8 models.
 * @param {object} core the Emscripten module (its setI8DotKernel binding)
 * @param {WebAssembly.Exports} exports the core instance's exports (its memory and table)
 */
export function installI8Kernel(core, exports) {
  if (!WebAssembly.validate(i8DotRelaxed) || typeof core.setI8DotKernel !== 'function') return I8_KERNELS.builtIn;
  // Found by type: the glue's minified export names are not part of its contract.
  const values = Object.values(exports);
  const memory = values.find((v) => v instanceof WebAssembly.Memory);
  const table = values.find((v) => v instanceof WebAssembly.Table);
  let index;
  try {
    // Small enough for a synchronous compile on a page's main thread (the limit is 4 KB).
    const kernel = new WebAssembly.Instance(new WebAssembly.Module(i8DotRelaxed), { env: { memory } });
    index = table.grow(1);
    table.set(index, kernel.exports.scoreI8);
  } catch {
    return I8_KERNELS.builtIn;  // an engine that validates the module but will not run it: the core's own kernel
  }
  // The first large queries compare it with the core's own kernel and keep the faster (an engine
  // may have relaxed SIMD without a fast int8 dot: V8 on x86 without AVX-VNNI);
  // core.usesI8DotKernel() says which won.
  core.setI8DotKernel(index, true);
  // bench/i8-kernels.bench.mjs switches between the two in one process: setI8DotKernel(slot or 0, false).
  core.i8KernelSlot = index;
  return I8_KERNELS.relaxed;
}
