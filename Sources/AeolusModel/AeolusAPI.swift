/// Constants shared by every document of the config repository and the custom resource.
public enum AeolusAPI {
    /// The `apiVersion` every Aeolus document carries.
    public static let version = "aeolus.io/v1alpha1"
}
