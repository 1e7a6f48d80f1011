// AeolusModel: see the module's issue.
