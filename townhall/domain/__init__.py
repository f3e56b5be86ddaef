"""Verbs and rules. Each user action is one function running one transaction."""
