import Foundation
import SBICore

/// Augmented samples in memory, ready to be written as MadMiner-named `.npy` files.
///
/// Files: `<array>_<split>.npy` (e.g. `x_train.npy`, `r_xz_validation.npy`), every array a
/// rank-2 `<f4` matrix (`y`, `r_xz`, `log_p_x` are `[n, 1]`).
public struct AugmentedSamples: Sendable {
    /// One named array of one split.
    public struct Array2D: Sendable {
        /// Array name without split (`x`, `theta0`, `r_xz`).
        public let name: String
        /// The values, `[nEvents, width]`.
        public let values: Matrix<Float>
    }

    /// One split (train, validation or test) of the sample.
    public struct Split: Sendable {
        /// `train`, `validation` or `test`.
        public let name: String
        /// The arrays in writing order.
        public let arrays: [Array2D]
        /// Number of events.
        public var count: Int { arrays.first?.values.rows ?? 0 }
        /// The array called `name`, if present.
        public func array(_ name: String) -> Matrix<Float>? { arrays.first { $0.name == name }?.values }
    }

    /// The kind of sample.
    public let kind: SampleKind
    /// The splits, in the order train, validation, test (empty ones left out).
    public let splits: [Split]
    /// Weighted simulators: the smallest Kish effective sample size (Σw)²/Σw² of the weighted
    /// events over every θ they were unweighted to; nil for unweighted simulators.
    public let minimumEffectiveSampleSize: Double?
    /// Weighted simulators: the largest ratio, over the θ of every split, of the events drawn at θ
    /// to the pool's effective sample size there; above 1, events repeat more than the pool's
    /// information warrants. nil for unweighted simulators.
    public let maximumDrawsPerEffectiveEvent: Double?
    /// Weighted simulators and real events: the benchmark points θ_b of the morphing the events were
    /// weighted with, `[benchmarks, parameters]` (written as `morphing_basis.npy`); nil otherwise.
    public var morphingBasis: Matrix<Double>? = nil

    /// The name of the morphing basis file.
    public static let morphingBasisFileName = "morphing_basis.npy"

    /// The file names that `write(to:)` creates.
    public var fileNames: [String] {
        splits.flatMap { split in split.arrays.map { "\($0.name)_\(split.name).npy" } } + (morphingBasis == nil ? [] : [Self.morphingBasisFileName])
    }

    /// Writes every array to `folder` (created if missing) as `<array>_<split>.npy`, all or nothing:
    /// every file is first written in full under a temporary name, then all are renamed into
    /// place; if a rename fails, the files already renamed are removed again.
    /// - Returns: the paths written.
    /// - Throws: `SBIError.io` naming the file or folder.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw SBIError.io("cannot create the output folder: \(error.localizedDescription)", file: folder)
            }
        } else if !isDirectory.boolValue {
            throw SBIError.io("exists and is not a folder", file: folder)
        }
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        var writers: [(path: String, writer: NPYStreamWriter<Float>)] = []
        for split in splits {
            for array in split.arrays {
                let path = base + "\(array.name)_\(split.name).npy"
                let writer = try NPYStreamWriter<Float>(path: path, shape: [array.values.rows, array.values.columns])
                try writer.append(array.values)
                writers.append((path, writer))
            }
        }
        var committed: [String] = []
        do {
            if let basis = morphingBasis {
                try NPYFile.write(NPYArray(basis), to: base + Self.morphingBasisFileName)
                committed.append(base + Self.morphingBasisFileName)
            }
            for (path, writer) in writers {
                try writer.commit()
                committed.append(path)
            }
        } catch {
            for path in committed { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
        return committed
    }
}
