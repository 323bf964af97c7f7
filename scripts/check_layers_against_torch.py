#!/usr/bin/env python3
"""Checks the layers of this package against PyTorch, in float64.

Not part of the Swift tests, and never a dependency of the package. The Swift test
GradCheckTests.TorchComparisonExportTests builds each layer (Embedding, BatchNorm1D/2D,
LayerNorm, GroupNorm, RMSNorm, RNN/GRU/LSTM and their cells, MultiHeadAttention,
TransformerBlock) with its own weights, saves them with `save(to:)`, runs forward and
backward on fixed inputs, and writes, per case, into a folder:

    <case>.params.safetensors   the module's parameters and buffers before the step
    <case>.data.safetensors     input/*, constant/*, output/*, upstream/*, grad_input/*,
                                grad_param/*, after/* (buffers after the step), and metadata
                                naming the layer and its settings

This script rebuilds each layer in PyTorch from the .params file, runs forward and backward
on the same inputs with the same upstream gradients, and prints the largest absolute and
relative difference per case: outputs, gradients of the inputs, gradients of the parameters,
and (batch norm) the running statistics after the step. The relative difference is
max |ours - torch| / max |torch| over each group of tensors.

    python3 scripts/check_layers_against_torch.py          runs the Swift test into a temporary
                                                           folder (building as needed), then compares
    python3 scripts/check_layers_against_torch.py DIR      compares files already written to DIR
                                                           (LAYERS_TORCH_DIR=DIR swift test --filter
                                                           GradCheckTests.TorchComparisonExportTests)

Exit status 1 when any relative difference exceeds 1e-10. Without torch and safetensors it
prints how to install them and exits 0.
"""

import os
import subprocess
import sys
import tempfile

TOLERANCE = 1e-10


def require_packages():
    try:
        import safetensors  # noqa: F401
        import torch  # noqa: F401
    except ImportError as error:
        print(f"skipped: {error.name} is not installed.")
        print("install with:  python3 -m pip install torch safetensors")
        sys.exit(0)


def run_swift_export(folder):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, LAYERS_TORCH_DIR=folder)
    command = ["swift", "test", "--filter", "GradCheckTests.TorchComparisonExportTests"]
    print(f"running: LAYERS_TORCH_DIR={folder} {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-4000:])
        print(result.stderr[-4000:])
        sys.exit(f"the Swift export failed (status {result.returncode})")


def ints(text):
    return [int(part) for part in text.split(",") if part]


def optional_float(text):
    return None if text in (None, "", "none") else float(text)


def build(meta, torch):
    """The PyTorch module for a case, in float64, and a function running it on the inputs."""
    nn = torch.nn
    kind = meta["kind"]
    f64 = dict(dtype=torch.float64)
    if kind == "embedding":
        padding = meta.get("padding_idx")
        module = nn.Embedding(int(meta["count"]), int(meta["dimension"]),
                              padding_idx=int(padding) if padding else None, **f64)
        return module, lambda m, i, c: [m(c["indices"].long())]
    if kind in ("batchnorm1d", "batchnorm2d"):
        cls = nn.BatchNorm1d if kind == "batchnorm1d" else nn.BatchNorm2d
        module = cls(int(meta["features"]), momentum=optional_float(meta["momentum"]), **f64)
        return module, lambda m, i, c: [m(i["x"])]
    if kind == "layernorm":
        module = nn.LayerNorm(ints(meta["normalized_shape"]), **f64)
        return module, lambda m, i, c: [m(i["x"])]
    if kind == "groupnorm":
        module = nn.GroupNorm(int(meta["groups"]), int(meta["channels"]), **f64)
        return module, lambda m, i, c: [m(i["x"])]
    if kind == "rmsnorm":
        module = nn.RMSNorm(ints(meta["normalized_shape"]), eps=optional_float(meta["eps"]), **f64)
        return module, lambda m, i, c: [m(i["x"])]
    if kind in ("rnn", "gru", "lstm"):
        sizes = dict(input_size=int(meta["input_size"]), hidden_size=int(meta["hidden_size"]),
                     num_layers=int(meta["num_layers"]), batch_first=True, **f64)
        if kind == "rnn":
            module = nn.RNN(nonlinearity=meta["nonlinearity"], **sizes)
        else:
            module = (nn.GRU if kind == "gru" else nn.LSTM)(**sizes)

        def run(m, i, c):
            if kind == "lstm":
                state = (i["h0"], i["c0"]) if "h0" in i else None
                output, (h, cell) = m(i["x"], state)
                return [output, h, cell]
            output, h = m(i["x"], i.get("h0"))
            return [output, h]
        return module, run
    if kind in ("rnncell", "grucell", "lstmcell"):
        sizes = dict(input_size=int(meta["input_size"]), hidden_size=int(meta["hidden_size"]), **f64)
        if kind == "rnncell":
            module = nn.RNNCell(nonlinearity=meta["nonlinearity"], **sizes)
            return module, lambda m, i, c: [m(i["x"], i["h"])]
        if kind == "grucell":
            return nn.GRUCell(**sizes), lambda m, i, c: [m(i["x"], i["h"])]
        return nn.LSTMCell(**sizes), lambda m, i, c: list(m(i["x"], (i["h"], i["c"])))
    if kind == "multiheadattention":
        module = nn.MultiheadAttention(int(meta["dimension"]), int(meta["heads"]), batch_first=True,
                                       dropout=0.0, **f64)

        def run(m, i, c):
            length = i["x"].shape[1]
            causal = meta.get("causal") == "true"
            mask = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1) if causal else None
            padding = c["key_padding_mask"].bool() if "key_padding_mask" in c else None
            output, _ = m(i["x"], i["x"], i["x"], attn_mask=mask, key_padding_mask=padding, need_weights=False)
            return [output]
        return module, run
    if kind == "transformerblock":
        dimension, heads, hidden = int(meta["dimension"]), int(meta["heads"]), int(meta["hidden"])
        module = nn.TransformerEncoderLayer(dimension, heads, dim_feedforward=hidden, dropout=0.0, activation="gelu",
                                            batch_first=True, norm_first=True, **f64)

        def run(m, i, c):
            length = i["x"].shape[1]
            causal = meta.get("causal") == "true"
            mask = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1) if causal else None
            padding = c["key_padding_mask"].bool() if "key_padding_mask" in c else None
            return [m(i["x"], src_mask=mask, src_key_padding_mask=padding, is_causal=False)]
        return module, run
    raise ValueError(f"unknown layer kind {kind!r}")


def rename(kind, name, tensor):
    """Our parameter name and layout -> PyTorch's: the same for every layer since version 2 (Dense is
    nn.Linear's [outputs, inputs], the transformer block's attention is self_attn)."""
    return name, tensor


def compare(groups):
    """(max abs, max rel) over pairs of (ours, torch) tensors."""
    worst_abs, scale = 0.0, 0.0
    for ours, theirs in groups:
        ours = ours.to(theirs.dtype).reshape(theirs.shape)
        worst_abs = max(worst_abs, (ours - theirs).abs().max().item() if theirs.numel() else 0.0)
        scale = max(scale, theirs.abs().max().item() if theirs.numel() else 0.0)
    return worst_abs, (worst_abs / scale if scale > 0 else worst_abs)


def check_case(folder, case, torch):
    from safetensors import safe_open
    from safetensors.torch import load_file
    params = load_file(os.path.join(folder, f"{case}.params.safetensors"))
    data_path = os.path.join(folder, f"{case}.data.safetensors")
    data = load_file(data_path)
    with safe_open(data_path, framework="pt") as f:
        meta = f.metadata()
    kind = meta["kind"]
    module, run = build(meta, torch)
    state = dict(rename(kind, name, tensor) for name, tensor in params.items())
    theirs_state = module.state_dict()
    for name in theirs_state:
        if name.endswith("num_batches_tracked") and name in state:
            state[name] = state[name].long()
    module.load_state_dict(state, strict=True)
    module.train(meta["phase"] == "training")

    def prefixed(prefix):
        return {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}
    inputs = {name: tensor.clone().requires_grad_(True) for name, tensor in prefixed("input/").items()}
    constants = prefixed("constant/")
    outputs = run(module, inputs, constants)
    output_names = [n for n in meta["outputs"].split(",") if n]
    upstream = prefixed("upstream/")
    loss = sum((out * upstream[name]).sum() for name, out in zip(output_names, outputs))
    loss.backward()

    rows = []
    rows.append(("outputs", compare([(data[f"output/{n}"], out.detach()) for n, out in zip(output_names, outputs)])))
    if inputs:
        rows.append(("input grads", compare([(data[f"grad_input/{n}"], t.grad) for n, t in inputs.items()])))
    named = dict(module.named_parameters())
    pairs = []
    for name, grad in prefixed("grad_param/").items():
        torch_name, ours = rename(kind, name, grad)
        pairs.append((ours, named[torch_name].grad))
    missing = set(named) - {rename(kind, n, t)[0] for n, t in prefixed("grad_param/").items()}
    if missing:
        raise AssertionError(f"{case}: no gradient written for {sorted(missing)}")
    rows.append(("parameter grads", compare(pairs)))
    after = prefixed("after/")
    if after:
        buffers = dict(module.named_buffers())
        rows.append(("running stats", compare([(t, buffers[n].to(torch.float64)) for n, t in after.items()])))
    return kind, rows


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__)
        return 2
    require_packages()
    import torch
    torch.set_num_threads(2)
    if len(argv) == 2:
        folder = argv[1]
    else:
        folder = tempfile.mkdtemp(prefix="layers-torch-")
        run_swift_export(folder)
    cases = sorted(name[:-len(".data.safetensors")] for name in os.listdir(folder) if name.endswith(".data.safetensors"))
    if not cases:
        sys.exit(f"no <case>.data.safetensors files in {folder}")
    print(f"PyTorch {torch.__version__}, float64; relative = max|ours - torch| / max|torch| per group")
    print(f"{'case':34} {'compared':16} {'max abs diff':>13} {'max rel diff':>13}")
    failures, worst = 0, 0.0
    for case in cases:
        _, rows = check_case(folder, case, torch)
        for i, (what, (absolute, relative)) in enumerate(rows):
            flag = "" if relative <= TOLERANCE else "   <-- exceeds 1e-10"
            failures += relative > TOLERANCE
            worst = max(worst, relative)
            print(f"{case if i == 0 else '':34} {what:16} {absolute:13.2e} {relative:13.2e}{flag}")
    print(f"{len(cases)} cases; largest relative difference {worst:.2e}; "
          f"{'all within' if failures == 0 else f'{failures} groups beyond'} {TOLERANCE:g}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
