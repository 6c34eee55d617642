GREETING = "café"  # saved as Latin-1, not UTF-8
