"""Durable workflows: one per assessment, one child per advice request."""
