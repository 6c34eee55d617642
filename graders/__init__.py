"""Graders for the course: cases, PyTorch references, comparison, sandbox, reports, CLI."""
