/**
 * A released model's MLP heads as starting values for `selavi cluster --init`, in the layout of
 * SelaviModel's per-head MLPs (`headHidden`): `{m}/head{h}/hidden/{w,b}`, its batch norm
 * `{m}/head{h}/hidden/bn/{gamma,beta,mean,var}`, and `{m}/head{h}/{w,b}`. PyTorch's Linear
 * weight is [out, in]; ours is [in, out]. The official hidden Linear has no bias: ours starts at 0.
 */
import { CheckpointError } from '../../errors.js';
import type { WeightTensor } from './official-weights.js';

/** The official head module of head h: `mlp_v{h}`, or `mlp_v` in a one-head model. */
function headPrefix(state: ReadonlyMap<string, WeightTensor>, modality: 'v' | 'a', h: number): string | undefined {
  for (const p of [`module.mlp_${modality}${h}.`, `mlp_${modality}${h}.`, ...(h === 0 ? [`module.mlp_${modality}.`, `mlp_${modality}.`] : [])]) {
    if (state.has(`${p}block_forward.2.weight`)) return p;
  }
  return undefined;
}

function transposed(t: WeightTensor): Float32Array {
  const [rows, cols] = t.shape;
  const src = t.toFloat32();
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/**
 * Values of our head `ourHead` taken from the released MLP head `releasedHead`, per parameter
 * name; undefined when the checkpoint has no MLP head of that index.
 */
export function releasedHeadParams(file: string, state: ReadonlyMap<string, WeightTensor>, releasedHead: number, ourHead: number): Map<string, Float32Array> | undefined {
  const out = new Map<string, Float32Array>();
  for (const [m, tag] of [['video', 'v'], ['audio', 'a']] as const) {
    const p = headPrefix(state, tag, releasedHead);
    if (!p) return undefined;
    const get = (key: string): WeightTensor => {
      const t = state.get(p + key);
      if (!t) throw new CheckpointError(file, `no '${p}${key}' in its state dict`);
      return t;
    };
    const ours = `${m}/head${ourHead}`;
    const hidden = get('block_forward.2.weight');
    out.set(`${ours}/hidden/w`, transposed(hidden));
    out.set(`${ours}/hidden/b`, new Float32Array(hidden.shape[0]));
    out.set(`${ours}/hidden/bn/gamma`, get('block_forward.4.weight').toFloat32());
    out.set(`${ours}/hidden/bn/beta`, get('block_forward.4.bias').toFloat32());
    out.set(`${ours}/hidden/bn/mean`, get('block_forward.4.running_mean').toFloat32());
    out.set(`${ours}/hidden/bn/var`, get('block_forward.4.running_var').toFloat32());
    out.set(`${ours}/w`, transposed(get('block_forward.8.weight')));
    out.set(`${ours}/b`, get('block_forward.8.bias').toFloat32());
  }
  return out;
}
