#!/usr/bin/env python3
"""Prints what PyTorch does at every point of docs/Conventions.md (subgradients at kinks, ties,
empty inputs, 0-d tensors, `dim=[]`), in float64, so that the table's PyTorch column can be
checked again with another version:

    python3 scripts/conventions_pytorch.py

Needs torch (`pip install torch`); it is not a dependency of the package or of its tests.
"""
import math
import sys
import warnings

try:
    import torch
except ImportError:
    print("PyTorch is not installed: pip install torch")
    sys.exit(0)

torch.set_default_dtype(torch.float64)
warnings.simplefilter("ignore")   # var() of one element warns about its degrees of freedom
nan, inf = math.nan, math.inf


def grad(f, *values):
    """The gradient of f(*tensors).sum() with respect to each tensor."""
    xs = [torch.tensor(v, requires_grad=True) for v in values]
    f(*xs).sum().backward()
    return [x.grad.tolist() for x in xs]


def show(label, value):
    print(f"{label:58} {value}")


print(f"PyTorch {torch.__version__}, float64\n")
print("Subgradients at kinks")
show("relu'(0)", grad(torch.relu, [0.0])[0])
show("leaky_relu'(0), slope 0.1", grad(lambda x: torch.nn.functional.leaky_relu(x, 0.1), [0.0])[0])
show("abs'(0)", grad(torch.abs, [0.0])[0])
show("sign'(x) at -1, 0, 2", grad(torch.sign, [-1.0, 0.0, 2.0])[0])
show("sqrt'(0)", grad(torch.sqrt, [0.0])[0])
show("clamp(x, 0, 1)' at x = -1, 0, 0.5, 1, 2", grad(lambda x: x.clamp(0.0, 1.0), [-1.0, 0.0, 0.5, 1.0, 2.0])[0])
show("binary_cross_entropy(p)' at p = 1e-8, t = 1 and p = 1 - 1e-9, t = 0",
     grad(lambda p: torch.nn.functional.binary_cross_entropy(p, torch.tensor([1.0, 0.0]), reduction="none"),
          [1e-8, 1 - 1e-9])[0])
show("binary_cross_entropy_with_logits'(z = 0), t = 1",
     grad(lambda z: torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([1.0])), [0.0])[0])

print("\nTies")
show("maximum(a, b)' at a = b = 1: (a, b)", grad(torch.maximum, [1.0], [1.0]))
show("minimum(a, b)' at a = b = 1: (a, b)", grad(torch.minimum, [1.0], [1.0]))
show("maximum(a, b)' with a = NaN, b = 1: (a, b)", grad(torch.maximum, [nan], [1.0]))
show("x.max()' (all axes) of [1, 3, 3]", grad(lambda x: x.max(), [1.0, 3.0, 3.0])[0])
show("x.amax(0)' of [1, 3, 3]", grad(lambda x: x.amax(0), [1.0, 3.0, 3.0])[0])
show("x.max(dim=0).values' of [1, 3, 3]", grad(lambda x: x.max(dim=0).values, [1.0, 3.0, 3.0])[0])
show("x.argmax() of [1, 3, 3]", torch.tensor([1.0, 3.0, 3.0]).argmax().item())
show("max_pool2d(2)' of [[1, 3], [3, 2]]",
     grad(lambda x: torch.nn.functional.max_pool2d(x[None, None], 2), [[1.0, 3.0], [3.0, 2.0]])[0])
x = torch.full((1, 1, 3, 3), -inf)
x[0, 0, 2, 2] = 1.0
x.requires_grad_(True)
torch.nn.functional.max_pool2d(x, 2, stride=1, padding=1).sum().backward()
show("max_pool2d(2, stride 1, padding 1)' of −∞ with a 1 last", x.grad.flatten().tolist())

print("\nEmpty inputs")
empty = torch.zeros(2, 0)
show("sum over an empty axis ([2, 0], dim 1)", empty.sum(1).tolist())
show("mean over an empty axis", empty.mean(1).tolist())
try:
    empty.amax(1)
    show("amax over an empty axis", "allowed")
except Exception as error:  # noqa: BLE001 - any error is the answer
    show("amax over an empty axis", f"error: {str(error).splitlines()[0][:60]}")
show("logsumexp over an empty axis", torch.logsumexp(empty, 1).tolist())
show("softmax over an empty axis: shape", list(empty.softmax(1).shape))
show("mse_loss of zero elements (mean)", torch.nn.functional.mse_loss(torch.zeros(0), torch.zeros(0)).item())
show("cross_entropy of zero samples (mean)",
     torch.nn.functional.cross_entropy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)).item())
show("var of one element, unbiased / population", [torch.tensor([1.0]).var().item(),
                                                    torch.tensor([1.0]).var(unbiased=False).item()])

print("\n0-d tensors and axes")
s = torch.tensor(3.0)
show("sum(0), sum(-1), amax(-1), logsumexp(0) of 3", [s.sum(0).item(), s.sum(-1).item(), s.amax(-1).item(),
                                                      torch.logsumexp(s, 0).item()])
show("softmax(0), log_softmax(-1) of 3", [s.softmax(0).item(), s.log_softmax(-1).item()])
show("argmax(0) of 3, squeeze(0) shape", [s.argmax(0).item(), list(s.squeeze(0).shape)])
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
show("sum(dim=[]) of [[1, 2], [3, 4]]", m.sum(dim=[]).item())
show("mean(dim=[]) of [[1, 2], [3, 4]]", m.mean(dim=[]).item())

print("\nLong sums")
show("float32 sum of 1e7 × 0.1, relative error",
     abs(torch.full((10_000_000,), 0.1, dtype=torch.float32).sum().item() - 1e7 * float(torch.tensor(0.1, dtype=torch.float32)))
     / 1e6)
show("float64 sum of 1e7 × 0.1, relative error", abs(torch.full((10_000_000,), 0.1).sum().item() - 1e6) / 1e6)
