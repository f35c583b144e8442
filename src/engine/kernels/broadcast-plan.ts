/**
 * How a broadcasting element-wise op walks its inputs, with the shapes collapsed: axes of size 1
 * dropped, and neighbouring axes merged where both inputs either broadcast along both or along
 * neither. What is left is an outer odometer and one contiguous inner axis (the native kernel's
 * loop). Pure; strides are in elements, 0 along an axis an input broadcasts.
 */
export interface BroadcastPlan {
  dims: number[];
  stridesA: number[];
  stridesB: number[];
}

/** The plan for `a op b` with tfjs/numpy broadcasting; the output shape must already be valid. */
export function broadcastPlan(aShape: readonly number[], bShape: readonly number[]): BroadcastPlan {
  const rank = Math.max(aShape.length, bShape.length);
  const pad = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const a = pad(aShape);
  const b = pad(bShape);
  const out = a.map((d, i) => Math.max(d, b[i]));
  const contiguous = (s: number[]) => {
    const st = new Array<number>(rank).fill(0);
    for (let i = rank - 1, acc = 1; i >= 0; i--) {
      st[i] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  const sa = contiguous(a);
  const sb = contiguous(b);
  const plan: BroadcastPlan = { dims: [], stridesA: [], stridesB: [] };
  for (let i = 0; i < rank; i++) {
    if (out[i] === 1) continue;
    const last = plan.dims.length - 1;
    const mergeable = last >= 0 && (plan.stridesA[last] === 0) === (sa[i] === 0) && (plan.stridesB[last] === 0) === (sb[i] === 0);
    if (mergeable) {
      plan.dims[last] *= out[i];
      plan.stridesA[last] = sa[i];
      plan.stridesB[last] = sb[i];
    } else {
      plan.dims.push(out[i]);
      plan.stridesA.push(sa[i]);
      plan.stridesB.push(sb[i]);
    }
  }
  if (plan.dims.length === 0) return { dims: [1], stridesA: [0], stridesB: [0] };
  return plan;
}
