#!/usr/bin/env python3
"""Writes the PyTorch references of Tests/GradCheckTests/RecurrentOptionsTests.swift.

Not part of the Swift tests, and never a dependency of the package: the files it writes are
committed under Tests/TorchFixtures/recurrent/, and the test reads them.

For each case it builds, in float64, a two-layer bidirectional `nn.LSTM`, `nn.GRU` or `nn.RNN`
(tanh and relu) over time-major sequences (batch_first=False, PyTorch's default) with input size 3
and hidden size 4, its weights drawn by PyTorch's own initialization after
`torch.manual_seed(seed)`; runs it on a seeded input [time 5, batch 2, 3] from seeded initial
states [4, 2, 4]; and differentiates L = <u, output> + <u_h, h_n> (+ <u_c, c_n>) for seeded
upstream tensors u. It writes, per case:

    <case>.safetensors      exactly module.state_dict(), as PyTorch saves it (safetensors.torch.save_file)
    <case>.io.safetensors   input, h0, c0; output, h_n, c_n; probe.<output> (the u above);
                            grad.<input, state or parameter name>; metadata "reference": JSON
                            with the settings, the torch version and named_parameters() in order
                            (parameter_names)

as the layer fixtures beside it (Tests/TorchFixtures/README.md on main) are named.

    python3 scripts/make_recurrent_reference.py [FOLDER]    (default: Tests/TorchFixtures/recurrent)
"""

import json
import os
import sys

import torch
from safetensors.torch import save_file

INPUT, HIDDEN, LAYERS, STEPS, BATCH = 3, 4, 2, 5, 2
CASES = [  # name, module, extra settings, seed
    ("lstm", torch.nn.LSTM, {}, 1),
    ("gru", torch.nn.GRU, {}, 2),
    ("rnn_tanh", torch.nn.RNN, {"nonlinearity": "tanh"}, 3),
    ("rnn_relu", torch.nn.RNN, {"nonlinearity": "relu"}, 4),
]


def make(folder, name, cls, extra, seed):
    f64 = torch.float64
    torch.manual_seed(seed)
    module = cls(INPUT, HIDDEN, num_layers=LAYERS, bias=True, batch_first=False, bidirectional=True,
                 dtype=f64, **extra)
    generator = torch.Generator().manual_seed(100 + seed)
    randn = lambda *shape: torch.randn(*shape, generator=generator, dtype=f64)
    lstm = cls is torch.nn.LSTM
    inputs = {"input": randn(STEPS, BATCH, INPUT), "h0": randn(2 * LAYERS, BATCH, HIDDEN)}
    if lstm:
        inputs["c0"] = randn(2 * LAYERS, BATCH, HIDDEN)
    leaves = {key: value.clone().requires_grad_(True) for key, value in inputs.items()}
    if lstm:
        output, (h_n, c_n) = module(leaves["input"], (leaves["h0"], leaves["c0"]))
        outputs = {"output": output, "h_n": h_n, "c_n": c_n}
    else:
        output, h_n = module(leaves["input"], leaves["h0"])
        outputs = {"output": output, "h_n": h_n}
    upstream = {key: randn(*value.shape) for key, value in outputs.items()}
    loss = sum((value * upstream[key]).sum() for key, value in outputs.items())
    names = [n for n, _ in module.named_parameters()]
    differentiated = list(leaves.values()) + [p for _, p in module.named_parameters()]
    grads = torch.autograd.grad(loss, differentiated)
    tensors = dict(inputs)
    tensors.update({key: value.detach() for key, value in outputs.items()})
    tensors.update({f"probe.{key}": value for key, value in upstream.items()})
    tensors.update({f"grad.{key}": g for key, g in zip(list(leaves) + names, grads)})
    about = {
        "script": "scripts/make_recurrent_reference.py",
        "torch": torch.__version__,
        "module": f"nn.{cls.__name__}({INPUT}, {HIDDEN}, num_layers={LAYERS}, batch_first=False, bidirectional=True"
                  + "".join(f", {k}={v!r}" for k, v in extra.items()) + ", dtype=torch.float64)",
        "seed": seed,
        "parameter_names": names,
    }
    # One metadata entry: safetensors writes several in no fixed order, and the files should come
    # out byte for byte the same on every run.
    metadata = {"reference": json.dumps(about)}
    state = {key: value.contiguous() for key, value in module.state_dict().items()}
    save_file(state, os.path.join(folder, f"{name}.safetensors"))
    save_file({key: value.contiguous() for key, value in tensors.items()},
              os.path.join(folder, f"{name}.io.safetensors"), metadata=metadata)
    print(f"{name}: {about['module']}, output {tuple(output.shape)}, h_n {tuple(h_n.shape)}, "
          f"{len(names)} parameters, |output|max {output.abs().max().item():.6f}")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests", "TorchFixtures", "recurrent")
    os.makedirs(folder, exist_ok=True)
    torch.set_num_threads(1)
    for case in CASES:
        make(folder, *case)


if __name__ == "__main__":
    main()
