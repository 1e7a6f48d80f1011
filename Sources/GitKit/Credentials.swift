/// How GitKit authenticates to a remote.
public enum Credentials: Sendable, Equatable {
    /// No credentials: anonymous `git://`, `file://`, public https. A server asking for
    /// credentials gets none and the operation fails with `.authentication`.
    case none
    /// An https token sent as the password, with `username` (default `x-access-token`,
    /// which GitHub and Gitea accept; GitLab wants `oauth2`).
    case token(String, username: String? = nil)
    /// An https user name and password.
    case userPassword(username: String, password: String)
    /// An ssh key pair from files. The server's host key must be listed in the `knownHosts` file
    /// (OpenSSH format); the user name comes from the URL, else `git`.
    case sshKey(privateKey: String, publicKey: String? = nil, passphrase: String? = nil, knownHosts: String)
}
