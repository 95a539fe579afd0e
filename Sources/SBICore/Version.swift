/// The sbi version, written into model and result files and printed by `sbi --version`.
public enum SBIVersion {
    public static let string = "0.1.0"
}
