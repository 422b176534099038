"""The client side of the engine: how programs start and act on cases."""
