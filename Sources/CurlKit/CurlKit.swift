// CurlKit: see the module's issue.
