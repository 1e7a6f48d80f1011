// BPFKit: see the module's issue.
