import CGSL

/// Facts about the engine for manifests.
public enum Engine {
    /// The GSL version the program was built against.
    public static var gslVersion: String { String(cString: ss_gsl_version()) }
}
