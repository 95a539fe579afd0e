/// The lines that say what a result is of, stored as contours.json's `notes` and printed on its plots
/// and report page: the process, the amount of data, and which data.
///
/// ```
/// drell-yan (recipe drell-yan)
/// L = 300 fb⁻¹: 1234.5 expected events at θ_true      (or: 100 events)
/// Asimov data at θ_true = (0, 0)                        (or: observed events from data.npy)
/// ```
public enum ResultNotes {
    /// The notes of a fit of `simulator` (in `recipe`, if any) to `eventCount` events, from `luminosityInversePicobarn`
    /// when given; Asimov data at `thetaTrue` or the observed events of `observedFile`.
    public static func lines(simulator: String, recipe: String? = nil, eventCount: Double, luminosityInversePicobarn: Double?,
                             thetaTrue: [Double]?, observedFile: String?) -> [String] {
        var out = [recipe.map { "\(simulator) (recipe \($0))" } ?? simulator]
        let events = SVGText.significant(eventCount, digits: 4)
        if let lumi = luminosityInversePicobarn {
            let amount = lumi >= 1000 ? "\(SVGText.significant(lumi / 1000, digits: 4)) fb⁻¹" : "\(SVGText.significant(lumi, digits: 4)) pb⁻¹"
            out.append("L = \(amount): \(events) \(observedFile == nil ? "expected " : "")events")
        } else {
            out.append("\(events) events")
        }
        if let observedFile {
            out.append("observed events from \(observedFile)")
        } else if let thetaTrue {
            out.append("Asimov data at θ_true = (\(thetaTrue.map { SVGText.number($0) }.joined(separator: ", ")))")
        }
        return out
    }
}
