/// The version the binary reports (`gate --version`, SARIF `semanticVersion`) and the release
/// it belongs to: the tag `v<current>` is released as `gate-<current>-linux-<arch>.tar.gz`.
/// The release workflow refuses a tag that differs, and the composite action reads this line
/// (scripts/action/resolve.sh) to install the release matching its own tag.
public enum GateVersion {
    public static let current = "0.1.0"
}
