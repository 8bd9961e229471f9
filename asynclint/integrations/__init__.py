"""asynclint inside other tools: source on standard input (editors) and the flake8 plugin."""
