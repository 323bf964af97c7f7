#!/usr/bin/env python3
"""Writes PyTorch-made reference files for every layer into Tests/TorchFixtures/.

Not part of the Swift build and never a dependency of the package: run it by hand (CPU torch
and safetensors installed) when a case changes, and commit what it writes.

    python3 scripts/make_torch_layer_fixtures.py [OUT_DIR]      (default Tests/TorchFixtures)

For each case NAME (a torch.nn module built in float64 with module.double(), in eval() mode,
dropout 0, after torch.manual_seed of the case's own seed) it writes

    NAME.safetensors      exactly module.state_dict(), saved with safetensors.torch.save_file
                          (no metadata; buffers keep their dtype: num_batches_tracked is int64)
    NAME.io.safetensors   "input" (float64; int64 indices for the embedding), "output",
                          "probe" (a fixed random tensor of the output's shape) and, for
                          loss = (output * probe).sum() backpropagated, "grad.input" (float
                          inputs only) and "grad.<name>" for every name in named_parameters()

and README.md describing them. The output is deterministic (one thread, fixed seeds): running
the script twice gives byte-identical files.
"""

import os
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file

DTYPE = torch.float64


def causal_mask(n):
    """Boolean [n, n] mask, True above the diagonal: position i may not attend to j > i."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


def randomise_affine(module):
    with torch.no_grad():
        module.weight.copy_(torch.randn_like(module.weight))
        if getattr(module, "bias", None) is not None:
            module.bias.copy_(torch.randn_like(module.bias))


def warm_batchnorm(module, batch_shape):
    """Three forward passes in train() mode on random batches, so that running_mean,
    running_var and num_batches_tracked (= 3) are not their initial values."""
    randomise_affine(module)
    module.train()
    with torch.no_grad():
        for _ in range(3):
            module(torch.randn(batch_shape, dtype=DTYPE) * 2 + 0.5)


def case_linear_square():
    return nn.Linear(4, 4), [3, 4], None, "nn.Linear(4, 4)"


def case_linear():
    return nn.Linear(5, 3), [2, 5], None, "nn.Linear(5, 3)"


def case_linear_3d():
    return nn.Linear(5, 3, bias=False), [2, 4, 5], None, "nn.Linear(5, 3, bias=False)"


def case_conv1d():
    return (nn.Conv1d(3, 4, kernel_size=3, stride=2, padding=1), [2, 3, 9], None,
            "nn.Conv1d(3, 4, kernel_size=3, stride=2, padding=1)")


def case_conv2d():
    return (nn.Conv2d(2, 3, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)), [2, 2, 7, 5], None,
            "nn.Conv2d(2, 3, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))")


def case_conv2d_groups():
    return (nn.Conv2d(4, 6, 3, padding=1, groups=2, dilation=1), [1, 4, 5, 6], None,
            "nn.Conv2d(4, 6, 3, padding=1, groups=2, dilation=1)")


def case_batchnorm1d():
    m = nn.BatchNorm1d(4).double()
    warm_batchnorm(m, [8, 4])
    return m, [5, 4], None, "nn.BatchNorm1d(4), 3 train() passes on random [8, 4] batches, random affine"


def case_batchnorm2d():
    m = nn.BatchNorm2d(3).double()
    warm_batchnorm(m, [4, 3, 5, 5])
    return m, [2, 3, 4, 4], None, "nn.BatchNorm2d(3), 3 train() passes on random [4, 3, 5, 5] batches, random affine"


def case_layernorm():
    m = nn.LayerNorm(5).double()
    randomise_affine(m)
    return m, [2, 3, 5], None, "nn.LayerNorm(5), random affine"


def case_groupnorm():
    m = nn.GroupNorm(2, 4).double()
    randomise_affine(m)
    return m, [2, 4, 3, 3], None, "nn.GroupNorm(2, 4), random affine"


def case_rmsnorm():
    m = nn.RMSNorm(5, eps=1e-6).double()
    randomise_affine(m)
    return m, [2, 3, 5], None, "nn.RMSNorm(5, eps=1e-6), random weight"


def case_embedding():
    indices = torch.tensor([[0, 6, 2], [3, 3, 1]], dtype=torch.int64)
    return nn.Embedding(7, 3), indices, None, "nn.Embedding(7, 3), int64 indices [[0, 6, 2], [3, 3, 1]]"


def sequence_output(module, x):
    return module(x)[0]


def case_rnn():
    return (nn.RNN(3, 4, num_layers=2, batch_first=True), [2, 5, 3], sequence_output,
            "nn.RNN(3, 4, num_layers=2, batch_first=True); output = the sequence output")


def case_gru():
    return (nn.GRU(3, 4, num_layers=2, batch_first=True), [2, 5, 3], sequence_output,
            "nn.GRU(3, 4, num_layers=2, batch_first=True); output = the sequence output")


def case_lstm():
    return (nn.LSTM(3, 4, num_layers=2, batch_first=True), [2, 5, 3], sequence_output,
            "nn.LSTM(3, 4, num_layers=2, batch_first=True); output = the sequence output")


def case_mha():
    def run(m, x):
        return m(x, x, x, need_weights=False)[0]
    return (nn.MultiheadAttention(8, 2, batch_first=True), [2, 5, 8], run,
            "nn.MultiheadAttention(8, 2, batch_first=True), self-attention q = k = v = input, need_weights=False")


def case_mha_causal():
    def run(m, x):
        return m(x, x, x, need_weights=False, attn_mask=causal_mask(x.shape[1]))[0]
    return (nn.MultiheadAttention(8, 2, batch_first=True), [2, 5, 8], run,
            "nn.MultiheadAttention(8, 2, batch_first=True), causal self-attention: "
            "attn_mask = torch.triu(ones(5, 5, bool), diagonal=1), need_weights=False")


def transformer_layer(norm_first):
    return nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                      activation="gelu", batch_first=True, norm_first=norm_first)


def case_transformer():
    def run(m, x):
        return m(x, src_mask=causal_mask(x.shape[1]), is_causal=True)
    return (transformer_layer(True), [2, 5, 8], run,
            "nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, "
            "activation=\"gelu\", batch_first=True, norm_first=True); src_mask = the boolean causal "
            "mask of mha_causal, is_causal=True")


def case_transformer_post():
    return (transformer_layer(False), [2, 5, 8], None,
            "the same as transformer with norm_first=False, no mask")


CASES = [
    ("linear_square", case_linear_square),
    ("linear", case_linear),
    ("linear_3d", case_linear_3d),
    ("conv1d", case_conv1d),
    ("conv2d", case_conv2d),
    ("conv2d_groups", case_conv2d_groups),
    ("batchnorm1d", case_batchnorm1d),
    ("batchnorm2d", case_batchnorm2d),
    ("layernorm", case_layernorm),
    ("groupnorm", case_groupnorm),
    ("rmsnorm", case_rmsnorm),
    ("embedding", case_embedding),
    ("rnn", case_rnn),
    ("gru", case_gru),
    ("lstm", case_lstm),
    ("mha", case_mha),
    ("mha_causal", case_mha_causal),
    ("transformer", case_transformer),
    ("transformer_post", case_transformer_post),
]


def make_case(seed, name, build, out_dir):
    torch.manual_seed(seed)
    module, input_spec, run, description = build()
    module = module.double()
    module.eval()
    if isinstance(input_spec, torch.Tensor):
        x = input_spec
    else:
        x = torch.randn(input_spec, dtype=DTYPE).requires_grad_(True)
    output = run(module, x) if run is not None else module(x)
    probe = torch.randn(output.shape, dtype=DTYPE)
    (output * probe).sum().backward()

    state = {key: value.detach().contiguous() for key, value in module.state_dict().items()}
    save_file(state, os.path.join(out_dir, f"{name}.safetensors"))

    io = {"input": x.detach().contiguous(), "output": output.detach().contiguous(), "probe": probe}
    if x.is_floating_point():
        io["grad.input"] = x.grad.detach().contiguous()
    for param_name, parameter in module.named_parameters():
        if parameter.grad is None:
            raise SystemExit(f"{name}: parameter {param_name} got no gradient")
        io[f"grad.{param_name}"] = parameter.grad.detach().contiguous()
    save_file(io, os.path.join(out_dir, f"{name}.io.safetensors"))

    shape = list(x.shape)
    return f"| {name} | {description} | {shape} ({'int64' if not x.is_floating_point() else 'float64'}) | {list(output.shape)} |"


README_HEAD = """# PyTorch layer fixtures

Written by `scripts/make_torch_layer_fixtures.py` with torch {torch} and safetensors {safetensors}
(CPU, float64, one thread). Do not edit these files by hand: change the script and run

    python3 scripts/make_torch_layer_fixtures.py

which rewrites every file here byte for byte the same when nothing changed (fixed seeds:
`torch.manual_seed(n)` before case n, 1 to 19 in the order of the table below, is built;
check with `sha256sum` before and after).

Licence: these files are generated by this project (from PyTorch's default initialisations and
our own random inputs, no third-party data) and are covered by the same licence as the rest of
this repository.

## Files

For each case `NAME`:

- `NAME.safetensors`: exactly the module's `state_dict()` (PyTorch's names, e.g.
  `weight_ih_l0`, `self_attn.in_proj_weight`, `norm1.weight`), saved with
  `safetensors.torch.save_file` without metadata. Float64; buffers as PyTorch keeps them
  (`num_batches_tracked` is int64).
- `NAME.io.safetensors`:
  - `input`: float64 (int64 indices for `embedding`);
  - `output`: the module's output in `eval()` mode;
  - `probe`: a fixed random tensor of the output's shape;
  - `grad.input` (float inputs only) and `grad.<name>` for every name of
    `named_parameters()`: the gradients of `loss = (output * probe).sum()`.

The causal mask of `mha_causal` and `transformer` is the boolean
`torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)` (True = may not attend), the same
as `nn.Transformer.generate_square_subsequent_mask(5)`'s −inf entries. Recurrent layers start
from a zero state, and their output is the sequence output only (the first element of the
returned tuple).

## Cases

| case | module | input shape | output shape |
| --- | --- | --- | --- |
"""


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests", "TorchFixtures")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rows = [make_case(seed, name, build, out_dir) for seed, (name, build) in enumerate(CASES, start=1)]
    import safetensors
    readme = README_HEAD.format(torch=torch.__version__, safetensors=safetensors.__version__)
    readme += "\n".join(rows) + "\n"
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme)
    print(f"wrote {2 * len(CASES)} files and README.md to {out_dir}")


if __name__ == "__main__":
    main()
