"""The audit layer: every history row linked into one hash chain, and the database refusing to
change or delete a history row (append-only triggers)."""
