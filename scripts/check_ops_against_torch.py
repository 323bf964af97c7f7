#!/usr/bin/env python3
"""Compares the engine's newer ops with PyTorch in float64: values, gradients, second derivatives.

Not part of the Swift tests, and not a dependency of the package. Two steps:

    OPS_TORCH_DIR=DIR swift test --filter GradCheckTests.TorchReferenceTests
        The Swift side (Tests/GradCheckTests/TorchReferenceTests.swift): runs every case (an op with
        its settings on fixed seeded inputs, in Double) and writes DIR/ops_cases.json with the
        inputs, the output, the upstream gradient u and the gradients of <u, output> with respect to
        each input; for smooth ops also directions w and the second derivatives, the gradients of
        sum_i <w_i, gradient_i> (the Hessian of <u, output> applied to w).

    python3 scripts/check_ops_against_torch.py DIR
        Recomputes every case with PyTorch (CPU, float64) from the same inputs, u and w, and prints
        a table: per case, the largest absolute difference and the largest relative difference
        (|ours - torch| / max|torch| over the tensor) of the output, the gradients and the second
        derivatives. Exit status 1 if any relative difference exceeds 1e-12.

Where the library documents a choice that differs from PyTorch, the script applies that choice to
PyTorch's result and says so in the notes column:
  - a softmax row that is -inf everywhere (fully masked): PyTorch gives NaN, the library 0 (and a
    zero gradient); the same row of logSoftmax: PyTorch NaN, the library 0;
  - softplus: PyTorch switches to x above its threshold (20); the script passes threshold=1e9 so
    that both compute log(1 + e^x) (the inputs stay well inside exp's range);
  - avgPool2D/avgPool1D with dilation: PyTorch's avg_pool has no dilation; the reference is a
    depthwise convolution with weights 1/(kernel size) and that dilation (without dilation the
    script uses avg_pool itself, count_include_pad=True);
  - GELU (exact) for x < 0: the library computes x*Phi(x) through erfc, PyTorch through
    1 + erf(x/sqrt 2), which loses relative digits as x decreases; the notes give the difference
    against mpmath (50 digits) where it is installed, to show which side is closer.

Without torch it prints how to install it and exits 0.
"""

import json
import math
import os
import sys


def load(folder):
    path = os.path.join(folder, "ops_cases.json")
    if not os.path.exists(path):
        print(f"no {path}: run `OPS_TORCH_DIR={folder} swift test --filter GradCheckTests.TorchReferenceTests` first")
        sys.exit(2)
    with open(path) as f:
        return json.load(f)


def tensor(torch, t, grad=False):
    values = [float(v) if isinstance(v, str) else v for v in t["data"]]   # "inf", "-inf", "nan"
    x = torch.tensor(values, dtype=torch.float64).reshape(t["shape"])
    return x.requires_grad_(grad)


def nan_rows_to_zero(torch, y, dim):
    """The library's choice for fully masked rows: 0 where PyTorch's whole row is NaN."""
    nan_row = torch.isnan(y).all(dim=dim, keepdim=True).expand_as(y)
    return torch.where(nan_row, torch.zeros_like(y), y)


def constant_average(torch, F, x, p, dims):
    """Average pooling with dilation as a depthwise convolution with equal weights (count_include_pad)."""
    channels = x.shape[1]
    kernel = p["kernel"] if dims == 2 else [p["kernel"]]
    size = math.prod(kernel)
    weight = torch.full([channels, 1] + list(kernel), 1.0 / size, dtype=torch.float64)
    if dims == 2:
        return F.conv2d(x, weight, stride=p["stride"], padding=p["padding"], dilation=p["dilation"], groups=channels)
    return F.conv1d(x, weight, stride=p["stride"], padding=p["padding"], dilation=p["dilation"], groups=channels)


def split_heads(x, heads):
    b, t, width = x.shape
    return x.reshape(b, t, heads, width // heads).transpose(1, 2)


def merge_heads(x):
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def torch_op(torch, F, op, p):
    """The PyTorch computation of each case's op (inputs as a list), with the notes it needs."""
    if op in ("erf", "erfc", "expm1", "log1p", "rsqrt"):
        fn = {"erf": torch.erf, "erfc": torch.erfc, "expm1": torch.expm1, "log1p": torch.log1p, "rsqrt": torch.rsqrt}[op]
        return lambda x: fn(x[0]), ""
    if op == "softplus":
        return lambda x: F.softplus(x[0], beta=p.get("beta", 1), threshold=1e9), "threshold=1e9 (no linear switch)"
    if op == "elu":
        return lambda x: F.elu(x[0], alpha=p.get("alpha", 1.0)), ""
    if op == "selu":
        return lambda x: F.selu(x[0]), ""
    if op == "silu":
        return lambda x: F.silu(x[0]), ""
    if op == "gelu":
        return lambda x: F.gelu(x[0], approximate=p.get("approximate", "none")), ""
    if op == "mish":
        return lambda x: F.mish(x[0]), ""
    if op == "hardtanh":
        return lambda x: F.hardtanh(x[0], p.get("min", -1.0), p.get("max", 1.0)), ""
    if op == "tril":
        return lambda x: torch.tril(x[0], p["diagonal"]), ""
    if op == "triu":
        return lambda x: torch.triu(x[0], p["diagonal"]), ""
    if op == "masked_softmax":
        dim = p.get("dim", -1)
        return (lambda x: nan_rows_to_zero(torch, torch.softmax(x[0].masked_fill(x[1] != 0, -math.inf), dim), dim),
                "fully masked rows: PyTorch NaN, set to 0 (the library's choice)")
    if op == "masked_log_softmax":
        return (lambda x: nan_rows_to_zero(torch, torch.log_softmax(x[0].masked_fill(x[1] != 0, -math.inf), -1), -1),
                "fully masked rows: PyTorch NaN, set to 0 (the library's choice); -inf entries equal")
    if op == "causal_attention":
        heads = p["heads"]

        def attention(x):
            q, k, v = (split_heads(t, heads) for t in x)
            t = q.shape[2]
            future = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
            weights = torch.softmax((q @ k.transpose(-1, -2) / 2).masked_fill(future, -math.inf), -1)
            return merge_heads(weights @ v)
        return attention, "split/merge heads by view+transpose in PyTorch"
    if op == "cumsum":
        dim = p["dim"]
        if p["reverse"]:
            return lambda x: torch.flip(torch.cumsum(torch.flip(x[0], [dim]), dim), [dim]), "reverse: flip, cumsum, flip"
        return lambda x: torch.cumsum(x[0], dim), ""
    if op == "conv2d":
        return (lambda x: F.conv2d(x[0], x[1], x[2], stride=p["stride"], padding=p["padding"], dilation=p["dilation"],
                                   groups=p["groups"]), "")
    if op == "conv1d":
        return (lambda x: F.conv1d(x[0], x[1], x[2], stride=p["stride"], padding=p["padding"], dilation=p["dilation"],
                                   groups=p["groups"]), "")
    if op == "conv_transpose2d":
        return (lambda x: F.conv_transpose2d(x[0], x[1], x[2], stride=p["stride"], padding=p["padding"],
                                             output_padding=p["output_padding"], dilation=p["dilation"]), "")
    if op == "max_pool2d":
        return (lambda x: F.max_pool2d(x[0], p["kernel"], p["stride"], p["padding"], dilation=p["dilation"]), "")
    if op == "max_pool1d":
        return (lambda x: F.max_pool1d(x[0], p["kernel"], p["stride"], p["padding"], dilation=p["dilation"]), "")
    if op in ("avg_pool2d", "avg_pool1d"):
        dims = 2 if op == "avg_pool2d" else 1
        dilated = p["dilation"] != ([1, 1] if dims == 2 else 1)
        if dilated:
            return (lambda x: constant_average(torch, F, x[0], p, dims),
                    "PyTorch's avg_pool has no dilation: depthwise conv with weights 1/k")
        pool = F.avg_pool2d if dims == 2 else F.avg_pool1d
        return lambda x: pool(x[0], p["kernel"], p["stride"], p["padding"], count_include_pad=True), ""
    if op == "unfold":
        return (lambda x: F.unfold(x[0], p["kernel"], dilation=p["dilation"], padding=p["padding"], stride=p["stride"]), "")
    if op == "fold":
        return (lambda x: F.fold(x[0], p["size"], p["kernel"], dilation=p["dilation"], padding=p["padding"],
                                 stride=p["stride"]), "")
    if op == "head_scores":
        heads = p["heads"]
        return (lambda x: split_heads(x[0], heads) @ split_heads(x[1], heads).transpose(-1, -2),
                "heads by view+transpose in PyTorch")
    if op == "head_outputs":
        heads = p["heads"]
        return lambda x: merge_heads(x[0] @ split_heads(x[1], heads)), "heads by view+transpose in PyTorch"
    if op == "matmul_tb":
        return lambda x: x[0] @ x[1].transpose(-1, -2), ""
    raise SystemExit(f"unknown op {op!r} in the cases file: update this script")


def differences(torch, ours, theirs):
    """(largest |ours - theirs|, that over the largest |theirs|); equal infinities count as equal."""
    if list(ours.shape) != list(theirs.shape):
        raise SystemExit(f"shape mismatch: ours {list(ours.shape)}, PyTorch {list(theirs.shape)}")
    same = (ours == theirs) | (torch.isnan(ours) & torch.isnan(theirs))
    diff = torch.where(same, torch.zeros_like(ours), (ours - theirs).abs())
    if torch.isnan(diff).any():
        return math.nan, math.nan
    finite = theirs[torch.isfinite(theirs)]
    scale = finite.abs().max().item() if finite.numel() else 0.0
    largest = diff.max().item() if diff.numel() else 0.0
    return largest, (largest / scale if scale > 0 else (0.0 if largest == 0 else math.inf))


def gelu_against_mpmath(case):
    """For exact GELU: the largest relative error of ours and of PyTorch against mpmath, or ''."""
    try:
        import mpmath
    except ImportError:
        return ""
    mpmath.mp.dps = 50
    import torch
    import torch.nn.functional as F
    xs = [float(v) for v in case["inputs"][0]["data"]]
    ours = [float(v) for v in case["output"]["data"]]
    theirs = F.gelu(torch.tensor(xs, dtype=torch.float64)).tolist()
    worst_ours = worst_theirs = 0.0
    for x, a, b in zip(xs, ours, theirs):
        exact = mpmath.mpf(x) * mpmath.ncdf(mpmath.mpf(x))
        if exact == 0:
            continue
        worst_ours = max(worst_ours, float(abs((a - exact) / exact)))
        worst_theirs = max(worst_theirs, float(abs((b - exact) / exact)))
    return f"vs mpmath: ours {worst_ours:.1e}, PyTorch {worst_theirs:.1e} (relative)"


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("skipped: torch is not installed (python3 -m pip install torch --index-url https://download.pytorch.org/whl/cpu)")
        sys.exit(0)
    cases = load(sys.argv[1])
    rows = []
    worst_relative = 0.0
    for case in cases:
        fn, note = torch_op(torch, F, case["op"], case["params"])
        flags = case["differentiable"]
        inputs = [tensor(torch, t, grad) for t, grad in zip(case["inputs"], flags)]
        wrt = [x for x, grad in zip(inputs, flags) if grad]
        second = "second" in case
        output = fn(inputs)
        upstream = tensor(torch, case["upstream"])
        grads = torch.autograd.grad(output, wrt, upstream, create_graph=second, allow_unused=True)
        grads = [torch.zeros_like(x) if g is None else g for x, g in zip(wrt, grads)]
        parts = [("value", tensor(torch, case["output"]), output.detach())]
        parts += [(f"grad{i}", tensor(torch, g), t.detach()) for i, (g, t) in enumerate(zip(case["gradients"], grads))]
        if second:
            directions = [tensor(torch, w) for w in case["directions"]]
            inner = sum((g * w).sum() for g, w in zip(grads, directions))
            if inner.requires_grad:
                seconds = torch.autograd.grad(inner, wrt, allow_unused=True)
                seconds = [torch.zeros_like(x) if s is None else s for x, s in zip(wrt, seconds)]
            else:
                seconds = [torch.zeros_like(x) for x in wrt]
            parts += [(f"second{i}", tensor(torch, s), t.detach()) for i, (s, t) in enumerate(zip(case["second"], seconds))]
        summary = {}
        for kind, ours, theirs in parts:
            group = "value" if kind == "value" else ("grad" if kind.startswith("grad") else "second")
            absolute, relative = differences(torch, ours, theirs)
            old = summary.get(group, (0.0, 0.0))
            summary[group] = (max(old[0], absolute), max(old[1], relative))
            if not relative <= 1e-12:
                worst_relative = math.inf if math.isnan(relative) else max(worst_relative, relative)
            else:
                worst_relative = max(worst_relative, relative)
        if case["op"] == "gelu" and case["params"].get("approximate", "none") == "none":
            note = gelu_against_mpmath(case)
        rows.append((case["name"], summary, note))

    def cell(pair):
        return f"{pair[0]:.1e} / {pair[1]:.1e}" if pair else "—"
    width = max(len(r[0]) for r in rows)
    print(f"PyTorch {torch.__version__}, float64, {len(rows)} cases. Each cell: largest absolute / relative difference "
          "(relative to the largest |PyTorch value| of that tensor).")
    print(f"{'case'.ljust(width)}  {'value':>17}  {'gradients':>17}  {'second derivatives':>18}  notes")
    for name, summary, note in rows:
        print(f"{name.ljust(width)}  {cell(summary.get('value')):>17}  {cell(summary.get('grad')):>17}  "
              f"{cell(summary.get('second')):>18}  {note}")
    print(f"largest relative difference: {worst_relative:.2e}")
    if not worst_relative <= 1e-12:
        print("FAILED: a difference above 1e-12 relative")
        sys.exit(1)


if __name__ == "__main__":
    main()
