import SBICore
import SBIInference

/// A Fisher information matrix to draw as linearised confidence regions over the contours: the
/// ellipse (2 parameters) or interval (1 parameter) that the likelihood would give if log L were
/// quadratic around `centre` (`FisherInformation.linearizedContour`:
/// (θ − θ_c)ᵀ I (θ − θ_c) ≤ F⁻¹_χ²(k)(CL)).
///
/// [1] J. Brehmer, K. Cranmer, F. Kling, T. Plehn, arXiv:1612.05261 §2 (Fisher information and
/// linearised limits in EFT measurements).
public struct FisherEllipse: Sendable {
    /// The estimator or mode the information belongs to (matched to contours.json's names for colours).
    public var name: String
    /// I over the plotted parameters (1 or 2, in the plot's order).
    public var information: FisherInformation
    /// θ_c, where the quadratic approximation is made (θ_true of Asimov data).
    public var centre: [Double]

    public init(name: String, information: FisherInformation, centre: [Double]) {
        self.name = name
        self.information = information
        self.centre = centre
    }

    /// The linearised region at `confidenceLevel`, nil when I is not positive definite (unbounded)
    /// or does not match the centre's dimension.
    public func region(confidenceLevel: Double) -> ContourPath? {
        try? information.linearizedContour(confidenceLevel: confidenceLevel, center: centre, points: 180)
    }
}
