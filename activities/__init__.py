"""Activities: everything with a side effect, each class given its dependencies."""
