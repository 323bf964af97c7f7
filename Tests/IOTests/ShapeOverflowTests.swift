import XCTest
import Foundation
import Autograd
import DataFormats

/// A shape with a zero-size axis has no elements, yet its strides (and the element count of a
/// tensor reduced along the empty axis) multiply the other sizes: `[0, 2³², 2³²]` overflows
/// `Int` in its strides. Every reader refuses such a shape, and so does `Tensor(_:shape:)`.
final class ShapeOverflowTests: XCTestCase {
    func testSafeTensorsRefusesAZeroSizeShapeWhoseStridesOverflow() {
        let file = IOTest.safetensorsFile(json: #"{"a":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#, data: [])
        IOTest.expectDataError(.tooLarge, mentions: ["zero.safetensors", "byte 9", "[0, 4294967296, 4294967296]", "tensor \"a\""]) {
            let contents = try SafeTensors.decode(file, path: "zero.safetensors", as: Float.self)
            XCTFail("accepted shape \(contents["a"]?.shape ?? [])")
        }
        // The same sizes in another order, and a zero after the huge sizes.
        for shape in ["[4294967296,0,4294967296]", "[4294967296,4294967296,0]", "[3037000500,3037000500,0]"] {
            let json = #"{"a":{"dtype":"U8","shape":"# + shape + #","data_offsets":[0,0]}}"#
            IOTest.expectDataError(.tooLarge, mentions: ["shape"]) {
                _ = try SafeTensors.decode(IOTest.safetensorsFile(json: json, data: []), as: Double.self)
            }
        }
        // A zero-size shape whose other sizes multiply to something representable is fine.
        XCTAssertEqual(try SafeTensors.decode(IOTest.safetensorsFile(
            json: #"{"a":{"dtype":"F32","shape":[0,65536,65536],"data_offsets":[0,0]}}"#, data: []), as: Float.self)["a"]?.shape,
            [0, 65536, 65536])
    }

    func testNPYRefusesAZeroSizeShapeWhoseStridesOverflow() {
        let file = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }", data: [])
        IOTest.expectDataError(.tooLarge, mentions: ["zero.npy", "byte 10", "[0, 4294967296, 4294967296]"]) {
            let t = try NPY.decode(file, path: "zero.npy", as: Float.self)
            XCTFail("accepted shape \(t.shape)")
        }
        let fine = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4096, 4096), }", data: [])
        XCTAssertEqual(try NPY.decode(fine, as: Float.self).shape, [0, 4096, 4096])
    }

    func testIDXRefusesAZeroSizeShapeWhoseStridesOverflow() {
        let file: [UInt8] = [0, 0, 0x08, 3] + IOTest.be(UInt32(0)) + IOTest.be(UInt32.max) + IOTest.be(UInt32.max)
        IOTest.expectDataError(.tooLarge, mentions: ["zero.idx", "byte 4", "[0, 4294967295, 4294967295]"]) {
            let t = try IDX.decode(file, path: "zero.idx", as: Float.self)
            XCTFail("accepted shape \(t.shape)")
        }
        let fine: [UInt8] = [0, 0, 0x08, 3] + IOTest.be(UInt32(0)) + IOTest.be(UInt32.max) + IOTest.be(UInt32(7))
        XCTAssertEqual(try IDX.decode(fine, as: Float.self).shape, [0, 4294967295, 7])
    }

    /// What the readers accept, ops can use: a zero-size tensor from each reader goes through an op.
    func testAcceptedZeroSizeShapesWorkInOps() throws {
        let file = IOTest.safetensorsFile(json: #"{"a":{"dtype":"F32","shape":[0,65536,65536],"data_offsets":[0,0]}}"#, data: [])
        let a = try XCTUnwrap(SafeTensors.decode(file, as: Float.self)["a"])
        XCTAssertEqual((a + 1).shape, [0, 65536, 65536])
    }

    /// `Tensor(_:shape:)` traps with a message naming the shape (run in a child process, which
    /// the trap ends).
    func testTensorInitializerRefusesAShapeWhoseStridesOverflow() throws {
        if ChildProcess.role == "overflowing-shape" {
            let t = Tensor<Float>([], shape: [0, 1 << 32, 1 << 32])
            print("accepted shape \(t.shape)")
            return
        }
        let outcome = try ChildProcess.run("IOTests.ShapeOverflowTests/testTensorInitializerRefusesAShapeWhoseStridesOverflow",
                                           role: "overflowing-shape")
        XCTAssertTrue(outcome.signalled, "the child was not stopped by a trap (status \(outcome.status)):\n\(outcome.standardError)")
        XCTAssertTrue(outcome.standardError.contains("[0, 4294967296, 4294967296]"), outcome.standardError)
        XCTAssertTrue(outcome.standardError.contains("overflow"), outcome.standardError)
    }

    /// The other ways to name a shape refuse it too: `zeros`/`full` and `reshaped`.
    func testCreationAndReshapeRefuseAShapeWhoseStridesOverflow() throws {
        let name = "IOTests.ShapeOverflowTests/testCreationAndReshapeRefuseAShapeWhoseStridesOverflow"
        switch ChildProcess.role {
        case "overflowing-zeros":
            print("accepted \(Tensor<Float>.zeros([0, 1 << 32, 1 << 32]).shape)")
            return
        case "overflowing-reshape":
            print("accepted \(Tensor<Float>([], shape: [0]).reshaped([0, 1 << 32, 1 << 32]).shape)")
            return
        default: break
        }
        for (role, op) in [("overflowing-zeros", "full"), ("overflowing-reshape", "reshape")] {
            let outcome = try ChildProcess.run(name, role: role)
            XCTAssertTrue(outcome.signalled, "\(role): not stopped by a trap (status \(outcome.status)):\n\(outcome.standardError)")
            XCTAssertTrue(outcome.standardError.contains("\(op):") && outcome.standardError.contains("4294967296"),
                          outcome.standardError)
        }
    }
}
