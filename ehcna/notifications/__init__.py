"""Alerts that reach people: the escalation policy, its channels and their delivery guarantee."""
