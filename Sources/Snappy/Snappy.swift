// Snappy: see the module's issue.
