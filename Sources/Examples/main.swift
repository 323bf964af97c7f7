import Autograd
import Foundation
func now() -> Double { Date().timeIntervalSince1970 }
let n = 200_000
var t0 = now()
let s = Tensor<Double>(1.0).requiringGrad()
var acc = s
let b = Tensor<Double>(1.0000001), a = Tensor<Double>(0.0)
for _ in 0..<n { acc = acc * b + a }
var t1 = now()
print("forward per op", (t1 - t0) / Double(2 * n) * 1e6, "us")
acc.backward()
var t2 = now()
print("backward per op", (t2 - t1) / Double(2 * n) * 1e6, "us", s.grad!)
