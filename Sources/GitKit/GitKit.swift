// GitKit: see the module's issue.
