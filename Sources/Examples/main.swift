import Autograd
let x = Tensor<Double>([1, 2, 3]).requiringGrad(named: "x")
let y = (x * x).sum()
y.backward()
print(y, x.grad!)
let img = Tensor<Double>(rows: [[2,1,3,3],[1,6,2,5],[1,4,5,2],[6,6,5,3]]).reshaped([1,1,4,4]).requiringGrad(named: "image")
let f = Tensor<Double>(rows: [[0,1,2],[1,0,1],[2,1,0]]).reshaped([1,1,3,3]).requiringGrad(named: "filter")
let c = img.conv2d(f, padding: (1, 1))
print(c.reshaped([4,4]))
let p = c.maxPool2D(kernel: (2, 2))
print(p.reshaped([2,2]))
p.sum().backward()
print(img.grad!.reshaped([4,4]))
// Hessian of f = x^2 y + x y^2 - 6xy
let v = Tensor<Double>([2, 2]).requiringGrad(named: "v")
let xx = v[0], yy = v[1]
let fv = xx*xx*yy + xx*yy*yy - 6*xx*yy
let g = try! gradients(of: fv, wrt: [v], createGraph: true)[0]
print("grad", g)
let h0 = try! gradients(of: g[0], wrt: [v], retainGraph: true)[0]
let h1 = try! gradients(of: g[1], wrt: [v])[0]
print("hessian", h0, h1)
var s = Tensor<Double>(1.0).requiringGrad()
var acc = s
for _ in 0..<1_000_000 { acc = acc * 1.0000001 + 0.0 }
acc.backward()
print("chain grad", s.grad!)
