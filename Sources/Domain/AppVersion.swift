// The release version, reported by `version`, `/health` and the User-Agent of outbound calls.

public enum AppVersion {
    public static let current = "0.1.0"
}
