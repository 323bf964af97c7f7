import Autograd
import CKernels
import Foundation

/// Adam's update as one pass over each parameter, its gradient and its moments, the moments
/// updated in place: what `Optimizer.step()` runs (recording off). It computes exactly the
/// expressions of the op-by-op update in `adamUpdate`, in the same order, so both give the same
/// bits (OptimAdaptiveTests checks it); the op form remains for updates that are differentiated.
enum FusedAdam {
    /// The instruction set for the C loop (AVX2 or portable), read once.
    static let isa = ck_isa()

    static func step<Scalar: TensorScalar>(_ value: Tensor<Scalar>, gradient g: Tensor<Scalar>,
                                           state: inout [String: Tensor<Scalar>], learningRate: Scalar, step t: Double,
                                           beta1: Double, beta2: Double, epsilon: Double, amsgrad: Bool) -> Tensor<Scalar> {
        require(g.shape == value.shape, "Adam: gradient of shape \(g.shape) for a parameter of shape \(value.shape)")
        // Taken out of the dictionary so that each buffer has one owner and is written in place.
        let hadMoments = state["expAvg"] != nil && state["expAvgSq"] != nil
        var m = state.removeValue(forKey: "expAvg") ?? Tensor<Scalar>.zeros(value.shape)
        var v = state.removeValue(forKey: "expAvgSq") ?? Tensor<Scalar>.zeros(value.shape)
        let hadMaximum = state["maxExpAvgSq"] != nil
        var maximum = amsgrad ? (state.removeValue(forKey: "maxExpAvgSq") ?? Tensor<Scalar>.zeros(value.shape)) : Tensor<Scalar>.zeros([0])
        var next = value.detached()
        let settings = Settings(beta1: Scalar(beta1), beta2: Scalar(beta2),
                                correction1: Scalar(1 - Foundation.pow(beta1, t)),
                                correction2: Scalar(1 - Foundation.pow(beta2, t)),
                                learningRate: learningRate, epsilon: Scalar(epsilon),
                                hasMoments: hadMoments, amsgrad: amsgrad, hasMaximum: hadMaximum)
        let count = value.count
        g.scalars.withUnsafeBufferPointer { gp in
            m.withUnsafeMutableScalars { mp in
                v.withUnsafeMutableScalars { vp in
                    maximum.withUnsafeMutableScalars { xp in
                        next.withUnsafeMutableScalars { pp in
                            guard count > 0, let g = gp.baseAddress, let m = mp.baseAddress, let v = vp.baseAddress,
                                  let p = pp.baseAddress else { return }
                            let x = xp.baseAddress ?? m
                            // The loop compiled for the concrete type (the optimizer is generic).
                            if Scalar.self == Float.self && !amsgrad {
                                let s = settings.as(Float.self)
                                ck_adam_f32(isa, count, cast(g), cast(m), cast(v), cast(p), s.beta1, s.beta2,
                                            s.correction1, s.correction2, s.learningRate, s.epsilon, s.hasMoments ? 1 : 0)
                            } else if Scalar.self == Float.self {
                                loop(count, cast(g), cast(m), cast(v), cast(x), cast(p), settings.as(Float.self))
                            } else if Scalar.self == Double.self {
                                loop(count, cast(g), cast(m), cast(v), cast(x), cast(p), settings.as(Double.self))
                            } else {
                                loop(count, g, m, v, x, p, settings)
                            }
                        }
                    }
                }
            }
        }
        state["expAvg"] = m
        state["expAvgSq"] = v
        if amsgrad { state["maxExpAvgSq"] = maximum }
        return next
    }

    struct Settings<Scalar: TensorScalar> {
        var beta1, beta2, correction1, correction2, learningRate, epsilon: Scalar
        var hasMoments, amsgrad, hasMaximum: Bool

        func `as`<T: TensorScalar>(_: T.Type) -> Settings<T> {
            Settings<T>(beta1: T(beta1), beta2: T(beta2), correction1: T(correction1), correction2: T(correction2),
                        learningRate: T(learningRate), epsilon: T(epsilon), hasMoments: hasMoments, amsgrad: amsgrad,
                        hasMaximum: hasMaximum)
        }
    }

    @inline(__always)
    static func cast<From, To>(_ pointer: UnsafePointer<From>) -> UnsafePointer<To> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: To.self)
    }

    @inline(__always)
    static func cast<From, To>(_ pointer: UnsafeMutablePointer<From>) -> UnsafeMutablePointer<To> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: To.self)
    }

    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g·g, [x ← max(x, v)], p ← p − lr·(m/c₁) / (√(v/c₂) + ε),
    /// each as the op form writes it (a missing moment counts as absent, not as zero: (1−β₁)·g).
    @inline(__always)
    static func loop<S: TensorScalar>(_ n: Int, _ g: UnsafePointer<S>, _ m: UnsafeMutablePointer<S>,
                                      _ v: UnsafeMutablePointer<S>, _ x: UnsafeMutablePointer<S>,
                                      _ p: UnsafeMutablePointer<S>, _ s: Settings<S>) {
        let oneMinusBeta1 = 1 - s.beta1, oneMinusBeta2 = 1 - s.beta2
        for i in 0..<n {
            let gi = g[i]
            let mi = s.hasMoments ? s.beta1 * m[i] + oneMinusBeta1 * gi : oneMinusBeta1 * gi
            let vi = s.hasMoments ? s.beta2 * v[i] + oneMinusBeta2 * gi * gi : oneMinusBeta2 * gi * gi
            m[i] = mi
            v[i] = vi
            var second = vi
            if s.amsgrad {
                if s.hasMaximum {
                    let old = x[i]
                    second = (old >= vi || old.isNaN) ? old : vi
                }
                x[i] = second
            }
            p[i] = p[i] - s.learningRate * (mi / s.correction1) / ((second / s.correction2).squareRoot() + s.epsilon)
        }
    }
}
